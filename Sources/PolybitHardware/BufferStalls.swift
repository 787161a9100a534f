/// When a layer's memory traffic stalls the array (double-buffered on-chip memories, as
/// SCALE-Sim's `InterfaceBandwidth: USER` runs them).
///
/// - First fill: before the first fold can start, its operands come from DRAM (the fold's share of
///   the weight and input traffic, ``FoldSchedule``); nothing overlaps this.
/// - Steady state: while a fold computes, the next fold's operands are prefetched and the previous
///   fold's outputs written. With the layer's folds alike, Σ_folds max(compute, transfer) =
///   max(compute, transfer): the rest of the traffic at each memory's bandwidth (DRAM and every
///   on-chip level) stalls the array only by what exceeds the compute cycles.
/// - Output stage (`compute.output_stage`): bias, requantization and activation of each output run
///   beside the array at the profile's outputs per cycle; a layer waits for it like a transfer.
/// Latency = compute + stall cycles, stall = fill + max(0, transfer − compute), transfer the
/// slowest of the memories and the output stage. Add and pool layers stream (no fill).
public struct BufferStalls: Sendable, Hashable {
    /// DRAM cycles of the first fill.
    public var fillCycles: Double
    /// Cycles the busiest memory needs for the traffic after the fill (the steady state).
    public var transferCycles: Double
    /// Cycles the output stage needs for the layer's outputs (0 without one).
    public var outputStageCycles: Double
    /// Cycles the array waits for memory: fill + max(0, transfer − compute).
    public var stallCycles: Double

    /// - Parameters:
    ///   - computeCycles: the layer's compute cycles.
    ///   - fillBits: DRAM bits the first fold needs before it starts.
    ///   - dramBits: all DRAM bits of the layer (the fill included).
    ///   - dramBitsPerCycle: DRAM bandwidth in bits per cycle.
    ///   - levelCycles: bits / bandwidth of every on-chip memory.
    ///   - outputStageCycles: outputs / the output stage's outputs per cycle (0 without one).
    public init(
        computeCycles: Int, fillBits: Double, dramBits: Int, dramBitsPerCycle: Double, levelCycles: [Double],
        outputStageCycles: Double = 0
    ) {
        fillCycles = fillBits / dramBitsPerCycle
        transferCycles = max(Double(dramBits) / dramBitsPerCycle - fillCycles, levelCycles.max() ?? 0)
        self.outputStageCycles = outputStageCycles
        stallCycles = fillCycles + max(0, max(transferCycles, outputStageCycles) - Double(computeCycles))
    }

    /// True when the steady-state transfers take longer than the compute (the layer is limited by
    /// bandwidth, not only by its first fill).
    public var memoryBound: Bool { transferCycles > outputStageCycles && stallCycles > fillCycles }

    /// True when the output stage, slower than the compute and every transfer, sets the time.
    public var outputStageBound: Bool { outputStageCycles >= transferCycles && stallCycles > fillCycles }
}
