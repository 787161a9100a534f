import PolybitQuant

/// One point of the search: a weight bit-width per weight unit and an activation bit-width per
/// activation unit of a ``SearchSpace`` (indices follow the space's unit lists).
public struct BitAssignment: Hashable, Sendable {
    public var weightBits: [Int]
    public var activationBits: [Int]

    public init(weightBits: [Int], activationBits: [Int]) {
        self.weightBits = weightBits; self.activationBits = activationBits
    }

    /// The width shared by every unit, or nil when the assignment mixes widths.
    public var uniformWidth: Int? {
        let all = Set(weightBits + activationBits)
        return all.count == 1 ? all.first : nil
    }
}

/// What the search may change in a quantized network, and how an assignment becomes a policy.
///
/// The units are the network's `PrecisionUnits` (the ones one-shot training samples).
public struct SearchSpace: Sendable, Equatable {
    /// Layer names, one per weight unit.
    public var weightUnits: [String]
    /// Layer names reading each activation unit's quantizer (the first names the unit).
    public var activationUnits: [[String]]
    /// Layers outside the search, with their fixed bit-widths.
    public var fixed: [String: PrecisionPolicy.Entry]
    /// The bit-widths a unit may take, ascending (e.g. 2...8).
    public var widths: [Int]

    public init(
        weightUnits: [String], activationUnits: [[String]], fixed: [String: PrecisionPolicy.Entry],
        widths: [Int]
    ) {
        self.weightUnits = weightUnits; self.activationUnits = activationUnits
        self.fixed = fixed; self.widths = Array(Set(widths)).sorted()
    }

    /// The space of `network` (its `PrecisionUnits`): boundary layers fixed at
    /// `QuantizedNetwork.boundaryBits` (searched like the rest when the network quantizes first and
    /// last layers).
    public init(network: QuantizedNetwork, widths: [Int]) {
        let units = PrecisionUnits(network: network)
        self.init(
            weightUnits: units.weightUnits, activationUnits: units.activationUnits, fixed: units.fixed, widths: widths)
    }

    /// Every unit at `bits`.
    public func uniform(_ bits: Int) -> BitAssignment {
        BitAssignment(
            weightBits: Array(repeating: bits, count: weightUnits.count),
            activationBits: Array(repeating: bits, count: activationUnits.count))
    }

    /// The policy that runs `assignment`: one entry per layer (fixed layers included), no default.
    public func policy(_ assignment: BitAssignment) -> PrecisionPolicy {
        PrecisionUnits(
            weightUnits: weightUnits, activationUnits: activationUnits, activationUnitLayer: [], fixed: fixed
        ).policy(weights: assignment.weightBits, activations: assignment.activationBits)
    }

    /// Assignments one width step away from `a` (the next lower or higher width in `widths`) in one
    /// unit; `down`/`up` choose the directions, `weights`/`activations` the kinds of unit.
    public func neighbours(of a: BitAssignment, down: Bool, up: Bool, weights: Bool, activations: Bool)
        -> [BitAssignment]
    {
        func steps(_ bits: Int) -> [Int] {
            guard let i = widths.firstIndex(of: bits) else { return [] }
            return (down && i > 0 ? [widths[i - 1]] : []) + (up && i + 1 < widths.count ? [widths[i + 1]] : [])
        }
        var out: [BitAssignment] = []
        if weights {
            for (i, b) in a.weightBits.enumerated() {
                for s in steps(b) { var n = a; n.weightBits[i] = s; out.append(n) }
            }
        }
        if activations {
            for (i, b) in a.activationBits.enumerated() {
                for s in steps(b) { var n = a; n.activationBits[i] = s; out.append(n) }
            }
        }
        return out
    }
}
