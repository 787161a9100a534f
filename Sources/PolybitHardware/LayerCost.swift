import PolybitQuant

/// Whether one tensor of a layer fits the share of an on-chip memory it is given.
public struct TensorFit: Sendable, Hashable {
    /// The memory level's name.
    public var level: String
    public var role: TensorRole
    /// The tensor's size in bits as stored (for `inputs` of a memory that also holds outputs: the
    /// whole live activation set, shortcut included).
    public var bits: Int
    /// Capacity granted to it in bits (the whole level, or half when weights and activations
    /// share a level and do not both fit).
    public var capacityBits: Int

    public init(level: String, role: TensorRole, bits: Int, capacityBits: Int) {
        self.level = level
        self.role = role
        self.bits = bits
        self.capacityBits = capacityBits
    }

    public var fits: Bool { bits <= capacityBits }
}

/// Energy of a layer or network by where it is spent, in pJ.
public struct EnergySplit: Sendable, Hashable {
    /// MACs·E_mac(b_w, b_a) + elementwise adds·E_add.
    public var computePJ: Double
    /// Bits moved through each on-chip memory · its energy per bit, in `profile.memories` order.
    public var memoryPJ: [Double]
    /// Off-chip bits · energy per bit.
    public var dramPJ: Double
    /// Leakage power · latency.
    public var leakagePJ: Double

    public var totalPJ: Double { computePJ + memoryPJ.reduce(0, +) + dramPJ + leakagePJ }

    static func zero(levels: Int) -> EnergySplit {
        EnergySplit(computePJ: 0, memoryPJ: [Double](repeating: 0, count: levels), dramPJ: 0, leakagePJ: 0)
    }

    static func + (a: EnergySplit, b: EnergySplit) -> EnergySplit {
        EnergySplit(
            computePJ: a.computePJ + b.computePJ,
            memoryPJ: zip(a.memoryPJ, b.memoryPJ).map { $0 + $1 },
            dramPJ: a.dramPJ + b.dramPJ, leakagePJ: a.leakagePJ + b.leakagePJ)
    }
}

/// The cost of one layer on one profile for the batch costed (every figure per batch). Sizes in
/// bits, time in cycles (seconds where named), energy in pJ.
public struct LayerCost: Sendable, Hashable {
    /// The layer costed (shapes, kernel, requested widths).
    public var workload: LayerWorkload
    public var name: String { workload.name }
    public var kind: LayerKind { workload.kind }
    /// MACs of the batch.
    public var macs: Int
    /// MACs·b_w·b_a at the requested widths.
    public var bitOps: Int
    /// Requested widths, and what the array runs (nil for add and pool).
    public var requested: Precision
    public var run: Precision?
    /// params·b_w at the requested width (packed), and at the width the hardware stores.
    public var weightBits: Int
    public var weightStoredBits: Int
    /// Input tensors (all of them for an add) and output tensor as stored.
    public var inputBits: Int
    public var outputBits: Int
    /// Activations live during this layer at requested widths (inputs, output, and tensors kept
    /// for later layers such as a residual shortcut), and as stored.
    public var liveActivationBits: Int
    public var liveActivationStoredBits: Int
    /// Per on-chip memory and tensor role it holds: does the tensor fit.
    public var fits: [TensorFit]
    /// True when this layer's input tensors come from on-chip memory rather than DRAM.
    public var inputOnChip: Bool
    /// True when this layer's output stays on chip for its consumers.
    public var outputOnChip: Bool
    /// Off-chip traffic (reads of weights and inputs with re-fetches, writes of outputs).
    public var dramWeightBits: Int
    public var dramInputBits: Int
    public var dramOutputBits: Int
    /// Times the weights are streamed into the array (re-fetches when neither the weights nor the
    /// input fit on chip and input tiles form the outer loop).
    public var weightPasses: Int
    /// Times the input is read from DRAM (re-fetches when weight tiles form the outer loop).
    public var inputPasses: Int
    /// Bits read and written at each on-chip memory, in `profile.memories` order.
    public var levelBits: [Int]
    public var mapping: ArrayMapping
    /// Cycles the busiest memory (on-chip or off-chip) needs: max over memories of bits / bandwidth.
    public var memoryCycles: Double
    /// The first fill and the steady-state transfers that stall the array (``BufferStalls``).
    public var stalls: BufferStalls
    /// Compute cycles + stall cycles.
    public var latencyCycles: Double
    public var latencySeconds: Double
    public var energy: EnergySplit
    /// Set when the array widens the operands, e.g. `3x3 runs as 4x4`.
    public var note: String?

    public var dramBits: Int { dramWeightBits + dramInputBits + dramOutputBits }
    public var computeCycles: Int { mapping.cycles }
    /// Cycles the array waits for memory (first fill and steady-state stalls).
    public var stallCycles: Double { stalls.stallCycles }
    /// True when the layer's steady-state transfers outlast its compute.
    public var memoryBound: Bool { stalls.memoryBound }
}
