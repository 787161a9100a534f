/// The units of a quantized network that take bit-widths, for the per-layer search (`pick`) and
/// one-shot training's sampling alike.
///
/// Every conv/linear layer is a weight unit. Layers that read one activation quantizer (a ResNet
/// block's conv1 and its projection shortcut) form one activation unit, so a policy never gives
/// them different input widths. Boundary layers (stem and classifier) stay at
/// `QuantizedNetwork.boundaryBits` unless the network quantizes them with the rest.
public struct PrecisionUnits: Sendable, Equatable {
    /// Layer names, one per weight unit, in network order.
    public var weightUnits: [String]
    /// Layer names reading each activation unit's quantizer (the first names the unit).
    public var activationUnits: [[String]]
    /// Index in `weightUnits` of each activation unit's first layer.
    public var activationUnitLayer: [Int]
    /// Layers outside the units, with their fixed bit-widths.
    public var fixed: [String: PrecisionPolicy.Entry]

    public init(
        weightUnits: [String], activationUnits: [[String]], activationUnitLayer: [Int],
        fixed: [String: PrecisionPolicy.Entry]
    ) {
        self.weightUnits = weightUnits; self.activationUnits = activationUnits
        self.activationUnitLayer = activationUnitLayer; self.fixed = fixed
    }

    /// The units of `network`.
    public init(network: QuantizedNetwork) {
        var weights: [String] = [], fixed: [String: PrecisionPolicy.Entry] = [:]
        var groups: [(quantizer: ActivationQuantizer, layers: [String], first: Int)] = []
        for l in network.layers {
            if l.isBoundary && !network.quantizeFirstLast {
                let b = QuantizedNetwork.boundaryBits
                fixed[l.name] = PrecisionPolicy.Entry(weight_bits: b, activation_bits: l.input == nil ? nil : b)
                continue
            }
            weights.append(l.name)
            guard let q = l.input else { continue }
            if let i = groups.firstIndex(where: { $0.quantizer === q }) {
                groups[i].layers.append(l.name)
            } else {
                groups.append((q, [l.name], weights.count - 1))
            }
        }
        self.init(
            weightUnits: weights, activationUnits: groups.map(\.layers), activationUnitLayer: groups.map(\.first),
            fixed: fixed)
    }

    /// The policy that runs weight unit `i` at `weights[i]` bits and activation unit `j` at
    /// `activations[j]` bits, fixed layers at their widths: one entry per layer, no default.
    public func policy(weights: [Int], activations: [Int]) -> PrecisionPolicy {
        var layers = fixed
        for (name, w) in zip(weightUnits, weights) {
            layers[name] = PrecisionPolicy.Entry(weight_bits: w, activation_bits: nil)
        }
        for (names, a) in zip(activationUnits, activations) {
            for name in names { layers[name]?.activation_bits = a }
        }
        return PrecisionPolicy(layers: layers)
    }
}
