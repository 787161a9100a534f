/// How one dataflow runs a MAC layer on the array: its folds and compute cycles, and the bits the
/// array reads from the on-chip memories. One type per dataflow (``SystolicWeightStationary``,
/// ``SystolicOutputStationary``, ``ParallelDataflow``, ``RowStationary``); a profile picks one
/// with `compute.array.dataflow` (``Dataflow/model``).
public protocol DataflowModel: Sendable {
    /// Folds and compute cycles of a MAC layer for `batch` images, before bit-serial steps.
    func schedule(
        _ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision, batch: Int
    ) -> FoldSchedule

    /// Bits the array moves in one weight pass over `batch` images. `weightBits` is the layer's
    /// weights as stored, `inputBits` its input tensors as stored for the whole batch.
    func arrayReads(
        _ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision,
        schedule: FoldSchedule, batch: Int, weightBits: Int, inputBits: Int
    ) -> ArrayReads
}

/// How a layer folds onto the array. What the two fold counts cover depends on the dataflow (each
/// type's documentation says); `folds` is the number of array passes, all groups included.
public struct FoldSchedule: Sendable, Hashable {
    /// The dataflow's first fold count (systolic-ws and parallel: over K; systolic-os: over output
    /// pixels; row-stationary: rounds of PE sets).
    public var rowFolds: Int
    /// The second fold count (systolic and parallel: over output channels M; row-stationary:
    /// strips of output rows).
    public var colFolds: Int
    /// Array passes of the whole layer (all groups and folds); the unit of double buffering.
    public var folds: Int
    /// Compute cycles, before bit-serial steps.
    public var cycles: Int
    /// Shares of the layer's DRAM weight and input traffic the first fold needs before it can
    /// start (the fill nothing overlaps), each in 0...1.
    public var firstFoldWeightShare: Double
    public var firstFoldInputShare: Double

    public init(
        rowFolds: Int, colFolds: Int, folds: Int, cycles: Int, firstFoldWeightShare: Double,
        firstFoldInputShare: Double
    ) {
        self.rowFolds = rowFolds
        self.colFolds = colFolds
        self.folds = folds
        self.cycles = cycles
        self.firstFoldWeightShare = firstFoldWeightShare
        self.firstFoldInputShare = firstFoldInputShare
    }
}

extension FoldSchedule {
    /// The schedule of an array that folds, per group, the reduction K (times the units' MACs per
    /// step) over `rows` and the output channels M over `cols`, each fold taking `cyclesPerFold`
    /// of the output pixels N (all images of the batch); the first fold needs one fold's share of
    /// the weights and one row fold's share of the inputs.
    static func reductionOverRows(
        _ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision, batch: Int,
        cyclesPerFold: (_ pixels: Int) -> Int
    ) -> FoldSchedule {
        let (k, m, n) = layer.gemmShape
        let rowFolds = ceilDiv(k, array.rows * precision.macsPerUnit)
        let colFolds = ceilDiv(m, array.cols)
        let folds = layer.groups * rowFolds * colFolds
        return FoldSchedule(
            rowFolds: rowFolds, colFolds: colFolds, folds: folds, cycles: folds * cyclesPerFold(n * batch),
            firstFoldWeightShare: 1 / Double(folds), firstFoldInputShare: 1 / Double(layer.groups * rowFolds))
    }
}

/// Bits the array reads from (and, for partial sums, writes to) the on-chip memories.
public struct ArrayReads: Sendable, Hashable {
    /// Weight reads at the level holding weights (or DRAM when no level does).
    public var weights: Int
    /// Input reads at the level holding inputs.
    public var inputs: Int
    /// Partial sums written and read back at the level holding outputs, at accumulator width.
    public var partialSums: Int
    /// Register-file traffic inside the PEs (row-stationary: weight and input reads and psum
    /// updates), charged to the level holding weights, which is then the PEs' register files.
    public var registerFile: Int

    public init(weights: Int, inputs: Int, partialSums: Int, registerFile: Int = 0) {
        self.weights = weights
        self.inputs = inputs
        self.partialSums = partialSums
        self.registerFile = registerFile
    }
}

/// ⌈a/b⌉ for positive b.
func ceilDiv(_ a: Int, _ b: Int) -> Int { (a + b - 1) / b }
