/// SCALE-Sim's output-stationary systolic array (`systolic-os`). Per group, the N·batch output
/// pixels fold over `rows`, the output channels M over `cols`; each PE keeps one output and the
/// reduction K streams through in ⌈K/macsPerUnit⌉ steps, so per fold the array takes
/// ⌈K/macsPerUnit⌉ + rows + cols − 2 cycles (stream K, fill and drain the skewed pipeline).
///
/// Reads (as SCALE-Sim counts them): the im2col input (K values per pixel) once per column fold,
/// the weights (K·M per group) once per row fold; partial sums never leave the PEs, since each
/// output is accumulated over all of K in place.
public struct SystolicOutputStationary: DataflowModel {
    public init() {}

    public func schedule(
        _ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision, batch: Int
    ) -> FoldSchedule {
        let (k, m, n) = layer.gemmShape
        let rowFolds = ceilDiv(n * batch, array.rows)
        let colFolds = ceilDiv(m, array.cols)
        let folds = layer.groups * rowFolds * colFolds
        return FoldSchedule(
            rowFolds: rowFolds, colFolds: colFolds, folds: folds,
            cycles: folds * (ceilDiv(k, precision.macsPerUnit) + array.rows + array.cols - 2),
            firstFoldWeightShare: 1 / Double(layer.groups * colFolds),
            firstFoldInputShare: 1 / Double(layer.groups * rowFolds))
    }

    public func arrayReads(
        _ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision,
        schedule: FoldSchedule, batch: Int, weightBits: Int, inputBits: Int
    ) -> ArrayReads {
        let (k, _, n) = layer.gemmShape
        return ArrayReads(
            weights: schedule.rowFolds * weightBits,
            inputs: schedule.colFolds * layer.groups * n * batch * k * precision.run.activationOperandBits,
            partialSums: 0)
    }
}
