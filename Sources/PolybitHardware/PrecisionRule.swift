import PolybitQuant
import PolybitTensor

/// How a compute array runs one requested precision: the widths it actually uses, its throughput
/// and its energy per MAC there.
public struct ExecutionPrecision: Sendable, Hashable {
    /// What the layer asked for.
    public var requested: Precision
    /// What the array runs (the next supported width up for each operand).
    public var run: Precision
    /// MACs each array unit completes per serial step (BitFusion's ⌊m/max(b_a,2)⌋·⌊m/max(b_w,2)⌋;
    /// 1 for fixed-width and bit-serial arrays).
    public var macsPerUnit: Int
    /// Cycles per MAC on a unit (b_a or b_a·b_w for bit-serial arrays; 1 otherwise), times the
    /// cycles per MAC of the first ``ThroughputRule`` of the array that matches `run`.
    public var serialSteps: Int
    /// Energy of one MAC at `run`, in pJ.
    public var macEnergyPJ: Double

    /// Peak MACs per cycle of `array` at this precision.
    public func peakMACsPerCycle(_ array: ComputeArray) -> Double {
        Double(array.macsPerCycle * macsPerUnit) / Double(serialSteps)
    }

    /// The precision rule of `array` applied to `requested`; a float operand is a
    /// ``Precision/floatBits``-bit operand (docs/cost-model.md).
    /// - Throws: `InputError` when an operand is wider than every width the array supports.
    public init(_ requested: Precision, on array: ComputeArray, profileName: String) throws {
        func widen(_ bits: Int?, _ supported: [Int], _ what: String) throws -> Int {
            let operand = bits ?? Precision.floatBits
            guard let w = supported.first(where: { $0 >= operand }) else {
                let name = bits.map { "\($0)-bit" } ?? "fp32 (\(operand)-bit)"
                throw InputError(
                    "\(profileName) cannot run \(name) \(what): it supports \(supported.map(String.init).joined(separator: ", ")) bits"
                )
            }
            return w
        }
        let bw = try widen(requested.weightBits, array.weightBits, "weights")
        let ba = try widen(requested.activationBits, array.activationBits, "activations")
        self.requested = requested
        self.run = Precision(operandBits: bw, ba)
        let nativeW = Double(array.weightBits[array.weightBits.count - 1])
        let nativeA = Double(array.activationBits[array.activationBits.count - 1])
        switch array.kind {
        case .fixedWidth:
            macsPerUnit = 1
            serialSteps = 1
            macEnergyPJ = array.macEnergyPJ
        case .bitFusion:
            let m = array.multiplierBits
            macsPerUnit = (m / max(ba, 2)) * (m / max(bw, 2))
            serialSteps = 1
            macEnergyPJ = array.macEnergyPJ * Double(bw * ba) / (nativeW * nativeA)
        case .bitSerial:
            macsPerUnit = 1
            if array.serialOperands == .both {
                serialSteps = ba * bw
                macEnergyPJ = array.macEnergyPJ * Double(ba * bw) / (nativeA * nativeW)
            } else {
                serialSteps = ba
                macEnergyPJ = array.macEnergyPJ * Double(ba) / nativeA
            }
        }
        if let rule = array.throughput.first(where: { $0.matches(run) }) {
            serialSteps *= rule.cyclesPerMAC
            if let e = rule.macEnergyPJ { macEnergyPJ = e }
        }
    }

    /// A note for the report when the array widens an operand, e.g. `3x3 runs as 4x4`.
    public var note: String? {
        run == requested ? nil : "\(requested.operandDescription) runs as \(run.operandDescription)"
    }
}
