import PolybitQuant
import PolybitTensor

/// How one-shot training draws the bit-widths of a random subnet.
public enum BitSampling: String, Codable, Sendable, CaseIterable {
    /// Every unit draws its width uniformly from its candidates (RFQuant).
    case uniform
    /// Hessian-aware stochastic bit-width (HASB, Double Rounding): the subnet draws one width
    /// uniformly; each unit keeps it, or with probability σ draws from its roulette
    /// (`BitWidthSampler.roulette(candidates:sensitive:)`).
    case hasb
}

/// The per-layer bit-widths of one-shot mixed-precision training: which layers are sampled and
/// how a draw becomes the `PrecisionPolicy` that `QuantizedNetwork.set(_:)` runs (the mechanism
/// `pick` and `export --policy` use).
///
/// The units are the network's `PrecisionUnits` (the ones `pick` searches): a block's conv1 and its
/// projection shortcut share one activation unit and always get one width; the stem and the
/// classifier stay at `QuantizedNetwork.boundaryBits` unless the network quantizes them.
public struct BitWidthSampler: Sendable {
    /// The network's units and fixed layers.
    public let units: PrecisionUnits
    /// Layer names, one per weight unit.
    public var weightUnits: [String] { units.weightUnits }
    /// Layer names reading each activation unit's quantizer (the first names the unit).
    public var activationUnits: [[String]] { units.activationUnits }
    /// Index of the weight unit of each activation unit's first layer (its HASB sensitivity).
    public var activationUnitLayer: [Int] { units.activationUnitLayer }
    /// Layers outside the sampling, at their fixed widths.
    public var fixed: [String: PrecisionPolicy.Entry] { units.fixed }
    /// Candidate weight widths of each weight unit, ascending (the bit-width scheduler may have
    /// removed a unit's lowest).
    public var weightCandidates: [[Int]]
    /// Candidate activation widths of every activation unit, ascending.
    public let activationCandidates: [Int]

    /// The units of `network` (its `PrecisionUnits`), every one with the candidates `widths`
    /// (quantized, 2...16).
    public init(network: QuantizedNetwork, widths: [Int]) {
        units = PrecisionUnits(network: network)
        let candidates = Array(Set(widths)).sorted()
        weightCandidates = Array(repeating: candidates, count: units.weightUnits.count)
        activationCandidates = candidates
    }

    /// The highest candidate: the max subnet runs every unit at it.
    public var highest: Int { activationCandidates.last! }

    /// The policy that runs weight unit `i` at `weights[i]` bits and activation unit `j` at
    /// `activations[j]` bits, fixed layers at their widths (one entry per layer, no default).
    public func policy(weights: [Int], activations: [Int]) -> PrecisionPolicy {
        units.policy(weights: weights, activations: activations)
    }

    /// A uniform draw: each weight unit from its candidates, each activation unit from
    /// `activationCandidates`, independently.
    public func uniformDraw(_ rng: inout SeededRNG) -> PrecisionPolicy {
        let w = weightCandidates.map { $0[rng.nextInt(below: $0.count)] }
        let a = activationUnits.map { _ in activationCandidates[rng.nextInt(below: activationCandidates.count)] }
        return policy(weights: w, activations: a)
    }

    /// A HASB draw: one width b uniformly from `activationCandidates` for the whole subnet; each
    /// unit runs at b (a weight unit whose scheduler removed b: at its lowest candidate) or, with
    /// probability `sigma`, at a width from its roulette, sensitive when its layer's Hessian trace
    /// (`traces`, one per weight unit) is at least their mean. An activation unit takes the
    /// sensitivity of its first layer.
    public func hasbDraw(traces: [Double], sigma: Double, _ rng: inout SeededRNG) -> PrecisionPolicy {
        precondition(traces.count == weightUnits.count, "one Hessian trace per weight unit")
        let mean = traces.reduce(0, +) / Double(max(1, traces.count))
        let base = activationCandidates[rng.nextInt(below: activationCandidates.count)]
        func draw(_ candidates: [Int], sensitive: Bool) -> Int {
            if Double(rng.nextFloat()) < sigma {
                return Self.spin(Self.roulette(candidates: candidates, sensitive: sensitive), &rng)
            }
            return candidates.contains(base) ? base : candidates[0]
        }
        let w = weightCandidates.indices.map { draw(weightCandidates[$0], sensitive: traces[$0] >= mean) }
        let a = activationUnitLayer.map { draw(activationCandidates, sensitive: traces[$0] >= mean) }
        return policy(weights: w, activations: a)
    }

    /// HASB's roulette over `candidates`: uniform for an insensitive layer; for a sensitive one,
    /// width b_i with probability b_i / Σ b ({8, 6, 4, 2} → 0.4, 0.3, 0.2, 0.1).
    public static func roulette(candidates: [Int], sensitive: Bool) -> [(bits: Int, probability: Double)] {
        guard sensitive else { return candidates.map { ($0, 1 / Double(candidates.count)) } }
        let total = Double(candidates.reduce(0, +))
        return candidates.map { ($0, Double($0) / total) }
    }

    /// One spin of `wheel` (probabilities summing to 1).
    static func spin(_ wheel: [(bits: Int, probability: Double)], _ rng: inout SeededRNG) -> Int {
        var u = Double(rng.nextFloat())
        for slot in wheel.dropLast() {
            if u < slot.probability { return slot.bits }
            u -= slot.probability
        }
        return wheel.last!.bits
    }

    /// HASB's σ in epoch `epoch` (0-based) of `epochs`: `sigma · (epoch + 1) / epochs`.
    public static func hasbSigma(_ sigma: Double, epoch: Int, epochs: Int) -> Double {
        sigma * Double(epoch + 1) / Double(max(1, epochs))
    }
}
