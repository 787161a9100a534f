/// When a layer's memory traffic stalls the array (double-buffered on-chip memories, as
/// SCALE-Sim's `InterfaceBandwidth: USER` runs them).
///
/// - First fill: before the first fold can start, its operands come from DRAM (``DRAMTransfers``:
///   the fold's share of the weight and input traffic, ``FoldSchedule``, or with `dram.tiles:
///   half-buffer` half of each input buffer); nothing overlaps this. With `half-buffer` the last
///   half of the output buffer drains after compute, which nothing overlaps either.
/// - Steady state: while a fold computes, the next fold's operands are prefetched and the previous
///   fold's outputs written. With the layer's folds alike, Σ_folds max(compute, transfer) =
///   max(compute, transfer): the rest of the traffic at each memory's bandwidth (DRAM and every
///   on-chip level) stalls the array only by what exceeds the compute cycles.
/// - Output stage (`compute.output_stage`): bias, requantization and activation of each output run
///   beside the array at the profile's outputs per cycle; a layer waits for it like a transfer.
/// Latency = compute + stall cycles, stall = fill + max(0, transfer − compute) + drain, transfer
/// the slowest of the memories and the output stage. Add and pool layers stream (no fill).
public struct BufferStalls: Sendable, Hashable {
    /// DRAM cycles of the first fill.
    public var fillCycles: Double
    /// DRAM cycles of the last drain of outputs after compute (0 with `dram.tiles: fold`).
    public var drainCycles: Double
    /// Cycles the busiest memory needs for the traffic after the fill (the steady state).
    public var transferCycles: Double
    /// Cycles the output stage needs for the layer's outputs (0 without one).
    public var outputStageCycles: Double
    /// Cycles the array waits for memory: fill + max(0, transfer − compute) + drain.
    public var stallCycles: Double

    /// - Parameters:
    ///   - computeCycles: the layer's compute cycles.
    ///   - dram: the layer's DRAM fill, steady-state and drain cycles.
    ///   - levelCycles: bits / bandwidth of every on-chip memory.
    ///   - outputStageCycles: outputs / the output stage's outputs per cycle (0 without one).
    public init(computeCycles: Int, dram: DRAMTransfers, levelCycles: [Double], outputStageCycles: Double = 0) {
        fillCycles = dram.fillCycles
        drainCycles = dram.drainCycles
        transferCycles = max(dram.steadyCycles, levelCycles.max() ?? 0)
        self.outputStageCycles = outputStageCycles
        stallCycles =
            fillCycles + max(0, max(transferCycles, outputStageCycles) - Double(computeCycles)) + drainCycles
    }

    /// True when the steady-state transfers take longer than the compute (the layer is limited by
    /// bandwidth, not only by its first fill and last drain).
    public var memoryBound: Bool {
        transferCycles > outputStageCycles && stallCycles > fillCycles + drainCycles
    }

    /// True when the output stage, slower than the compute and every transfer, sets the time.
    public var outputStageBound: Bool {
        outputStageCycles >= transferCycles && stallCycles > fillCycles + drainCycles
    }
}
