/// How one layer folds onto the MAC array and how many cycles its compute takes.
///
/// A MAC layer is a matrix product per group: K (reduction) × M (output channels) × N (output
/// pixels). The array's `rows` (times the units' MACs per step at this precision) cover K, its
/// `cols` cover M: row folds ⌈K/(rows·macsPerUnit)⌉, column folds ⌈M/cols⌉. Per fold:
/// - `systolic-ws` (SCALE-Sim's weight-stationary model): 2·rows + cols + N − 2 cycles
///   (rows to load weights, rows + cols − 2 to fill and drain, N to stream the pixels);
/// - `parallel`: ⌈N/pixels⌉ cycles.
/// Each fold is multiplied by the serial steps of bit-serial arrays. Add and pool layers run
/// ⌈ops / macsPerCycle⌉ cycles on the array's lanes.
public struct ArrayMapping: Sendable, Hashable {
    /// Folds over the reduction dimension K (per group).
    public var rowFolds: Int
    /// Folds over the output channels M (per group).
    public var colFolds: Int
    /// Compute cycles of the layer.
    public var cycles: Int
    /// cycles · peak MACs per cycle at the run precision (0 for add and pool).
    public var macSlots: Double
    /// MACs / macSlots, in 0...1 (0 without MACs).
    public var utilization: Double

    /// The mapping of `layer` on `array` at `precision` (nil for add and pool layers).
    public init(_ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision?) {
        guard layer.usesArray, let precision else {
            rowFolds = 0
            colFolds = 0
            cycles = (layer.elementwiseOps + array.macsPerCycle - 1) / array.macsPerCycle
            macSlots = 0
            utilization = 0
            return
        }
        let (k, m, n) = layer.gemmShape
        let rowsEff = array.rows * precision.macsPerUnit
        rowFolds = (k + rowsEff - 1) / rowsEff
        colFolds = (m + array.cols - 1) / array.cols
        let perFold: Int
        switch array.dataflow {
        case .systolicWS: perFold = 2 * array.rows + array.cols + n - 2
        case .parallel: perFold = (n + array.pixels - 1) / array.pixels
        }
        cycles = layer.groups * rowFolds * colFolds * perFold * precision.serialSteps
        macSlots = Double(cycles) * precision.peakMACsPerCycle(array)
        utilization = Double(layer.macs) / macSlots
    }
}
