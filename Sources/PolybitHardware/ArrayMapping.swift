/// How one layer folds onto the MAC array and how many cycles its compute takes.
///
/// MAC layers follow the profile's dataflow (``Dataflow/model``: its ``FoldSchedule``), times the
/// serial steps of bit-serial arrays. Add and pool layers run ⌈ops·batch / macsPerCycle⌉ cycles
/// on the array's lanes, streamed (one fold, nothing to fill first).
public struct ArrayMapping: Sendable, Hashable {
    /// The dataflow's first fold count (see ``FoldSchedule/rowFolds``; 0 for add and pool).
    public var rowFolds: Int
    /// The dataflow's second fold count (see ``FoldSchedule/colFolds``; 0 for add and pool).
    public var colFolds: Int
    /// The fold schedule (folds, first-fold shares of the DRAM traffic); cycles before serial steps.
    public var schedule: FoldSchedule
    /// Compute cycles of the layer.
    public var cycles: Int
    /// cycles · peak MACs per cycle at the run precision (0 for add and pool).
    public var macSlots: Double
    /// MACs / macSlots, in 0...1 (0 without MACs).
    public var utilization: Double

    /// The mapping of `layer` on `array` at `precision` (nil for add and pool layers) for `batch`
    /// images.
    public init(_ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision?, batch: Int = 1) {
        guard layer.usesArray, let precision else {
            rowFolds = 0
            colFolds = 0
            cycles = ceilDiv(layer.elementwiseOps * batch, array.macsPerCycle)
            schedule = FoldSchedule(
                rowFolds: 0, colFolds: 0, folds: 1, cycles: cycles, firstFoldWeightShare: 0, firstFoldInputShare: 0)
            macSlots = 0
            utilization = 0
            return
        }
        schedule = array.dataflow.model.schedule(layer, on: array, at: precision, batch: batch)
        rowFolds = schedule.rowFolds
        colFolds = schedule.colFolds
        cycles = schedule.cycles * precision.serialSteps
        macSlots = Double(cycles) * precision.peakMACsPerCycle(array)
        utilization = Double(layer.macs * batch) / macSlots
    }
}
