import PolybitSim

/// An accelerator described by public numbers: its MAC array, on-chip memories, off-chip memory,
/// clock and leakage. Loaded from a YAML file in `hwprofiles/` by ``ProfileLoader``.
public struct HardwareProfile: Sendable, Hashable {
    /// Short display name, e.g. `BitFusion`.
    public var name: String
    /// Where the numbers come from (papers, datasheets), and which ones are estimates.
    public var source: String
    /// Technology node in nm.
    public var technologyNM: Double
    /// Clock frequency in MHz.
    public var clockMHz: Double
    /// Static (leakage) power in mW, charged for the whole latency.
    public var leakageMW: Double
    public var compute: ComputeArray
    /// On-chip memories, each holding some of weights, inputs and outputs.
    public var memories: [MemoryLevel]
    /// Off-chip memory (DRAM, or flash on a microcontroller).
    public var dram: OffChipMemory

    public init(
        name: String, source: String, technologyNM: Double, clockMHz: Double,
        leakageMW: Double, compute: ComputeArray, memories: [MemoryLevel], dram: OffChipMemory
    ) {
        self.name = name
        self.source = source
        self.technologyNM = technologyNM
        self.clockMHz = clockMHz
        self.leakageMW = leakageMW
        self.compute = compute
        self.memories = memories
        self.dram = dram
    }
}

/// How an array's throughput depends on the operand widths.
public enum ArrayKind: String, Sendable, Hashable, CaseIterable {
    /// One MAC per unit per cycle at any supported width; energy per MAC fixed at the native width.
    case fixedWidth = "fixed-width"
    /// BitFusion: each unit of `multiplier_bits`×`multiplier_bits` does
    /// ⌊m/max(b_a,2)⌋·⌊m/max(b_w,2)⌋ MACs per cycle; energy per MAC scales with b_w·b_a.
    case bitFusion = "bit-fusion"
    /// Stripes/Loom-like: a MAC takes one cycle per serial bit; energy per MAC scales with the steps.
    case bitSerial = "bit-serial"
}

/// Which operands a bit-serial array streams bit by bit.
public enum SerialOperands: String, Sendable, Hashable, CaseIterable {
    /// b_a steps per MAC (Stripes).
    case activations
    /// b_a·b_w steps per MAC (Loom).
    case both
}

/// How layers map onto the array (`compute.array.dataflow`); each case's cost rules are a
/// ``DataflowModel`` of its own.
public enum Dataflow: String, Sendable, Hashable, CaseIterable {
    /// SCALE-Sim's weight-stationary systolic array (``SystolicWeightStationary``).
    case systolicWS = "systolic-ws"
    /// SCALE-Sim's output-stationary systolic array (``SystolicOutputStationary``).
    case systolicOS = "systolic-os"
    /// A MAC array with no pipeline fill (``ParallelDataflow``).
    case parallel
    /// Eyeriss's row-stationary dataflow (``RowStationary``).
    case rowStationary = "row-stationary"

    /// The cost rules of this dataflow.
    public var model: any DataflowModel {
        switch self {
        case .systolicWS: return SystolicWeightStationary()
        case .systolicOS: return SystolicOutputStationary()
        case .parallel: return ParallelDataflow()
        case .rowStationary: return RowStationary()
        }
    }
}

/// Words each PE's register files hold (row-stationary arrays: `compute.array.rf_words`), e.g.
/// Eyeriss's 224 filter, 12 input and 24 partial-sum words.
public struct RegisterFileWords: Sendable, Hashable {
    public var weights: Int
    public var inputs: Int
    public var psums: Int

    public init(weights: Int, inputs: Int, psums: Int) {
        self.weights = weights
        self.inputs = inputs
        self.psums = psums
    }
}

/// The MAC array.
public struct ComputeArray: Sendable, Hashable {
    public var kind: ArrayKind
    /// Bit-serial arrays only: what is streamed serially.
    public var serialOperands: SerialOperands?
    /// MACs per cycle at the native width (bit-serial: one-bit steps per cycle, i.e. lanes);
    /// equals rows·cols·pixels.
    public var macsPerCycle: Int
    public var dataflow: Dataflow
    public var rows: Int
    public var cols: Int
    /// Output pixels processed in parallel (`parallel` dataflow; 1 otherwise).
    public var pixels: Int
    /// Per-PE register files (row-stationary only; nil otherwise).
    public var registerFile: RegisterFileWords?
    /// Supported weight widths, ascending; a narrower request runs at the next one up.
    public var weightBits: [Int]
    /// Supported activation widths, ascending.
    public var activationBits: [Int]
    /// Width of one multiplier unit in bits (the BitFusion rule's 8).
    public var multiplierBits: Int
    /// Accumulator width in bits, 8...64 (partial sums spilled to the output buffer have this
    /// width; the simulator accumulates at this width).
    public var accumulatorBits: Int
    /// What the accumulator does when a partial sum leaves its range (`accumulator_overflow`,
    /// default wrap).
    public var accumulatorOverflow: OverflowMode
    /// Requantization arithmetic the simulator runs for this array.
    public var requant: RequantMode
    /// Energy of one MAC at the native (widest supported) widths, in pJ.
    public var macEnergyPJ: Double
    /// Energy of one elementwise add (residual joins, pooling), in pJ.
    public var addEnergyPJ: Double
    /// How softmax, GELU and LayerNorm run (`special_functions`, default integer): the integer
    /// approximations on the datapath, or a special-function unit.
    public var specialFunctions: SpecialFunctions = .integer
    /// Energy of one special-function evaluation (one element) on the unit, in pJ
    /// (`special_function_energy_pJ`; 0 without a unit).
    public var specialFunctionEnergyPJ: Double = 0
    /// Per-width throughput rules (`throughput`; empty: every width at the native rate).
    public var throughput: [ThroughputRule] = []
    /// Bias, requantization and activation of each output (`output_stage`; nil: free, as before).
    public var outputStage: OutputStage?

    public init(
        kind: ArrayKind, serialOperands: SerialOperands?, macsPerCycle: Int, dataflow: Dataflow,
        rows: Int, cols: Int, pixels: Int, weightBits: [Int], activationBits: [Int],
        multiplierBits: Int, accumulatorBits: Int, accumulatorOverflow: OverflowMode = .wrap,
        requant: RequantMode, macEnergyPJ: Double, addEnergyPJ: Double, registerFile: RegisterFileWords? = nil
    ) {
        self.kind = kind
        self.serialOperands = serialOperands
        self.macsPerCycle = macsPerCycle
        self.dataflow = dataflow
        self.rows = rows
        self.cols = cols
        self.pixels = pixels
        self.weightBits = weightBits
        self.activationBits = activationBits
        self.multiplierBits = multiplierBits
        self.accumulatorBits = accumulatorBits
        self.accumulatorOverflow = accumulatorOverflow
        self.requant = requant
        self.macEnergyPJ = macEnergyPJ
        self.addEnergyPJ = addEnergyPJ
        self.registerFile = registerFile
    }
}

/// What an on-chip memory stores.
public enum TensorRole: String, Sendable, Hashable, CaseIterable, Codable {
    case weights, inputs, outputs
}

/// One on-chip memory (a buffer or scratchpad; replicated per-PE memories are given as their total).
public struct MemoryLevel: Sendable, Hashable {
    public var name: String
    /// Capacity in bytes.
    public var sizeBytes: Int
    /// Access width in bits (per-access energy is charged per word).
    public var wordBits: Int
    /// Bits per cycle it can deliver (reads and writes share it).
    public var bandwidthBitsPerCycle: Double
    /// Energy per bit moved, in pJ (per-access figures are converted with `wordBits`).
    public var energyPJPerBit: Double
    public var holds: Set<TensorRole>
    /// Weights held here survive between inferences (loaded once when the whole network fits).
    public var persistentWeights: Bool

    public init(
        name: String, sizeBytes: Int, wordBits: Int, bandwidthBitsPerCycle: Double,
        energyPJPerBit: Double, holds: Set<TensorRole>, persistentWeights: Bool = false
    ) {
        self.name = name
        self.sizeBytes = sizeBytes
        self.wordBits = wordBits
        self.bandwidthBitsPerCycle = bandwidthBitsPerCycle
        self.energyPJPerBit = energyPJPerBit
        self.holds = holds
        self.persistentWeights = persistentWeights
    }

    /// Capacity in bits.
    public var sizeBits: Int { sizeBytes * 8 }
}

/// Off-chip memory: everything not on chip lives here.
public struct OffChipMemory: Sendable, Hashable {
    /// Bandwidth in GB/s (10^9 bytes per second).
    public var bandwidthGBps: Double
    /// Energy per bit moved, in pJ.
    public var energyPJPerBit: Double
    /// One bandwidth shared by all operands, or one port of `bandwidthGBps` per operand.
    public var ports: DRAMPorts
    /// What the first fill and the last drain of a layer move (per fold, or half of each buffer).
    public var tiles: DRAMTiles
    /// What a convolution fetches of an input held in DRAM (the tensor, or its im2col matrix).
    public var inputFetch: InputFetch

    public init(
        bandwidthGBps: Double, energyPJPerBit: Double, ports: DRAMPorts = .shared, tiles: DRAMTiles = .fold,
        inputFetch: InputFetch = .tensor
    ) {
        self.bandwidthGBps = bandwidthGBps
        self.energyPJPerBit = energyPJPerBit
        self.ports = ports
        self.tiles = tiles
        self.inputFetch = inputFetch
    }

    /// Bits per clock cycle of an accelerator running at `clockMHz`.
    public func bitsPerCycle(clockMHz: Double) -> Double { bandwidthGBps * 8e3 / clockMHz }
}
