import PolybitSim

/// A transformer function the cost model charges per element, by the profile's `special_functions`:
/// `integer` counts the multiplies (at `mac_energy_pJ`) and adds, shifts and compares (at
/// `add_energy_pJ`) of one element of the integer kernels; `unit` charges
/// `special_function_energy_pJ` per element. The per-row square root and reciprocal are not
/// counted. Cycles are one element per MAC lane per cycle either way.
public enum SpecialFunction: String, Sendable, Hashable, Codable {
    case softmax, gelu, layernorm

    /// Per-element operations of the integer approximation, counted from the kernels:
    /// softmax (`IntegerSoftmax`): input multiply, square, reciprocal multiply; max, subtract, z and
    /// p, two polynomial adds, shift, sum, rounding shift. GELU (`IntegerGELU`): input multiply,
    /// square, ·A, x·(1 + erf), output requantization; zero point, |x|, min, `t`, rounding shift,
    /// two erf adds, output zero point. LayerNorm (`IntegerLayerNorm`): square, division by σ, ·γ,
    /// requantization; zero point, sum, mean, sum of squares, +β, output zero point.
    public var integerOperations: (multiplies: Int, adds: Int) {
        switch self {
        case .softmax: (3, 8)
        case .gelu: (5, 8)
        case .layernorm: (4, 6)
        }
    }

    /// Energy of `elements` evaluations on `array`, in pJ.
    func energyPJ(elements: Int, on array: ComputeArray) -> Double {
        switch array.specialFunctions {
        case .unit:
            return Double(elements) * array.specialFunctionEnergyPJ
        case .integer:
            let ops = integerOperations
            return Double(elements)
                * (Double(ops.multiplies) * array.macEnergyPJ + Double(ops.adds) * array.addEnergyPJ)
        }
    }
}
