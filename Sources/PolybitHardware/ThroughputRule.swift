import PolybitQuant

/// A per-width throughput rule of a compute array (`compute.throughput`, a list): at the run widths
/// it names (either may be left out: any) the array takes `cyclesPerMAC` cycles per MAC, e.g.
/// Ethos-U55 runs int16 activations at half its int8 rate (`{activation_bits: 16, cycles_per_mac: 2}`),
/// optionally at its own energy per MAC. The first rule that matches applies; widths that no rule
/// names run at the array's native rate.
public struct ThroughputRule: Sendable, Hashable {
    /// The run weight width the rule applies to (nil: any).
    public var weightBits: Int?
    /// The run activation width the rule applies to (nil: any).
    public var activationBits: Int?
    /// Cycles per MAC on one unit at these widths (≥ 1; multiplies the array's serial steps).
    public var cyclesPerMAC: Int
    /// Energy of one MAC at these widths in pJ (nil: the array's rule).
    public var macEnergyPJ: Double?

    public init(weightBits: Int?, activationBits: Int?, cyclesPerMAC: Int, macEnergyPJ: Double? = nil) {
        self.weightBits = weightBits; self.activationBits = activationBits
        self.cyclesPerMAC = cyclesPerMAC; self.macEnergyPJ = macEnergyPJ
    }

    /// Whether the rule names the widths of `run`.
    public func matches(_ run: Precision) -> Bool {
        (weightBits.map { $0 == run.weightOperandBits } ?? true)
            && (activationBits.map { $0 == run.activationOperandBits } ?? true)
    }
}

/// The output stage of a compute array (`compute.output_stage`): bias add, requantization and
/// activation of every output of a conv or linear layer, `outputsPerCycle` outputs per cycle beside
/// the array (a layer whose outputs take longer than its compute waits for it, ``BufferStalls``), at
/// `energyPJPerOutput` pJ each.
public struct OutputStage: Sendable, Hashable {
    public var outputsPerCycle: Double
    public var energyPJPerOutput: Double

    public init(outputsPerCycle: Double, energyPJPerOutput: Double) {
        self.outputsPerCycle = outputsPerCycle; self.energyPJPerOutput = energyPJPerOutput
    }
}
