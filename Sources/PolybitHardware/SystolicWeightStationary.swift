/// SCALE-Sim's weight-stationary systolic array (`systolic-ws`). Per group, the reduction
/// K (times the units' MACs per step) folds over `rows`, the output channels M over `cols`; per
/// fold, `rows` cycles load the weights, rows + cols − 2 fill and drain the pipeline and the
/// N·batch output pixels stream through: 2·rows + cols + N·batch − 2 cycles.
///
/// Reads (as SCALE-Sim counts them): each weight once per batch, the whole im2col input
/// (K·N values per group and image) once per column fold, and partial sums written and read back
/// at accumulator width once per extra row fold.
public struct SystolicWeightStationary: DataflowModel {
    public init() {}

    public func schedule(
        _ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision, batch: Int
    ) -> FoldSchedule {
        let (k, m, n) = layer.gemmShape
        let rowFolds = ceilDiv(k, array.rows * precision.macsPerUnit)
        let colFolds = ceilDiv(m, array.cols)
        let folds = layer.groups * rowFolds * colFolds
        return FoldSchedule(
            rowFolds: rowFolds, colFolds: colFolds, folds: folds,
            cycles: folds * (2 * array.rows + array.cols + n * batch - 2),
            firstFoldWeightShare: 1 / Double(folds), firstFoldInputShare: 1 / Double(layer.groups * rowFolds))
    }

    public func arrayReads(
        _ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision,
        schedule: FoldSchedule, batch: Int, weightBits: Int, inputBits: Int
    ) -> ArrayReads {
        let (k, m, n) = layer.gemmShape
        let pixels = layer.groups * n * batch
        return ArrayReads(
            weights: weightBits,
            inputs: schedule.colFolds * pixels * k * precision.run.activationOperandBits,
            partialSums: max(schedule.rowFolds - 1, 0) * 2 * pixels * m * array.accumulatorBits)
    }
}
