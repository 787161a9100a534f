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
        .reductionOverRows(layer, on: array, at: precision, batch: batch) { pixels in
            2 * array.rows + array.cols + pixels - 2
        }
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
