/// How the DRAM interface moves a layer's operands (`dram.ports`): one bandwidth shared by
/// weights, inputs and outputs, or one port of that bandwidth per operand (SCALE-Sim's
/// `InterfaceBandwidth: USER`, which gives the ifmap, filter and ofmap SRAMs a port each).
public enum DRAMPorts: String, Sendable, Hashable, CaseIterable {
    case shared
    case perOperand = "per-operand"
}

/// What the first fill before a layer's compute and the last drain after it move (`dram.tiles`).
/// - `fold`: the first fold's operands (``FoldSchedule``'s shares); outputs drain behind compute.
/// - `half-buffer`: each on-chip buffer is two halves (SCALE-Sim's double-buffered SRAMs): before
///   compute the active half of every input buffer fills, min(operand traffic, half the buffer),
///   and after compute the last half of the output buffer drains, min(output traffic, half).
public enum DRAMTiles: String, Sendable, Hashable, CaseIterable {
    case fold
    case halfBuffer = "half-buffer"
}

/// What a convolution fetches of an input held in DRAM (`dram.input_fetch`): the tensor (each
/// value once per pass) or its im2col matrix (K = C/groups·k_h·k_w values per output pixel,
/// overlapping windows fetched again), as SCALE-Sim's ifmap fetch does.
public enum InputFetch: String, Sendable, Hashable, CaseIterable {
    case tensor
    case im2col
}

/// One layer's DRAM transfers split in time: the fill nothing overlaps, the steady-state
/// transfers that overlap compute, and the drain after it. All in cycles of the profile's clock.
public struct DRAMTransfers: Sendable, Hashable {
    /// Cycles of the first fill (before compute).
    public var fillCycles: Double
    /// Cycles of the rest of the traffic (overlapping compute), plus with `half-buffer` tiles the
    /// compute of the one tile no transfer overlaps.
    public var steadyCycles: Double
    /// Cycles of the last drain of outputs (after compute).
    public var drainCycles: Double

    /// Bits of one operand: all of its DRAM traffic and the part moved before (fill) or after
    /// (drain) compute.
    public struct Operand: Sendable, Hashable {
        public var total: Double
        public var edge: Double
        public init(total: Double, edge: Double) {
            self.total = total
            self.edge = min(edge, total)
        }
    }

    /// - Parameters:
    ///   - weights, inputs: DRAM bits read and the bits the first fill moves.
    ///   - outputs: DRAM bits written and the bits the last drain moves.
    ///   - bitsPerCycle: bandwidth of the shared interface, or of each port.
    ///   - tiles: with `half-buffer`, an operand moved in tiles of its edge size overlaps only the
    ///     compute of the other tiles: the compute of one tile (edge / total of the compute) is
    ///     added to its steady-state cycles (with a shared interface, the largest such share).
    ///   - computeCycles: the layer's compute cycles (used with `half-buffer` only).
    public init(
        weights: Operand, inputs: Operand, outputs: Operand, bitsPerCycle: Double, ports: DRAMPorts,
        tiles: DRAMTiles = .fold, computeCycles: Int = 0
    ) {
        let operands = [weights, inputs, outputs]
        let rest = operands.map { ($0.total - $0.edge) / bitsPerCycle }
        let unhidden = operands.map { op in
            tiles == .halfBuffer && op.total > op.edge ? Double(computeCycles) * op.edge / op.total : 0
        }
        switch ports {
        case .shared:
            fillCycles = (weights.edge + inputs.edge) / bitsPerCycle
            steadyCycles = rest.reduce(0, +) + (unhidden.max() ?? 0)
        case .perOperand:
            fillCycles = max(weights.edge, inputs.edge) / bitsPerCycle
            steadyCycles = zip(rest, unhidden).map { $0 + $1 }.max() ?? 0
        }
        drainCycles = outputs.edge / bitsPerCycle
    }
}
