/// A MAC array without a pipeline (`parallel`: NVDLA, Ethos-U, a CPU's SIMD lanes). Per group,
/// K (times the units' MACs per step) folds over `rows`, M over `cols`, and the N·batch output
/// pixels run `pixels` at a time: ⌈N·batch/pixels⌉ cycles per fold.
///
/// Reads (output-stationary at the array): partial sums stay in the accumulators, the weights are
/// re-read for every group of `pixels` outputs, each input value is read once per column fold
/// (sliding windows are reused locally).
public struct ParallelDataflow: DataflowModel {
    public init() {}

    public func schedule(
        _ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision, batch: Int
    ) -> FoldSchedule {
        .reductionOverRows(layer, on: array, at: precision, batch: batch) { pixels in ceilDiv(pixels, array.pixels) }
    }

    public func arrayReads(
        _ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision,
        schedule: FoldSchedule, batch: Int, weightBits: Int, inputBits: Int
    ) -> ArrayReads {
        let n = layer.gemmShape.n
        return ArrayReads(
            weights: weightBits * ceilDiv(n * batch, array.pixels), inputs: schedule.colFolds * inputBits,
            partialSums: 0)
    }
}
