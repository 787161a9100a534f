/// Eyeriss's row-stationary dataflow (`row-stationary`; Chen et al., ISCA 2016 §V, JSSC 2017).
///
/// The unit of work is the 1-D row primitive: one PE convolves a filter row (S weights) with an
/// input row and accumulates one output row (F values, S MACs each). A logical PE set of R × E
/// PEs (filter rows × output rows) computes one 2-D convolution: weight rows are reused across a
/// PE row, input rows diagonally, partial sums vertically. Mapping onto the `rows` × `cols` array:
/// - the set is cut to r = min(R, rows) by e = min(E, cols) (vertical folds ⌈R/r⌉, strips ⌈E/e⌉);
/// - ⌊rows/r⌋·⌊cols/e⌋ sets run at once on different filters (the input row is multicast);
/// - each PE interleaves q = min(C, ⌊rf_inputs/S⌋) channels and p = min(M, ⌊rf_weights/(q·S)⌋,
///   rf_psums) filters in its register file, so one set job covers p filters × q channels.
/// Cycles per group = ⌈jobs / sets⌉ · p·q·⌈S/macsPerUnit⌉·F with jobs = ⌈M/p⌉·⌈C/q⌉·batch·
/// vertical folds·strips. `rowFolds` are those rounds, `colFolds` the strips. A linear layer is the
/// R = S = E = F = 1 case (one PE per set).
///
/// Accesses: in the register file every MAC reads a weight and an input and reads and writes a
/// partial sum (b_w + b_a + 2·accumulator bits), charged to the level holding weights (the PE
/// register files: a row-stationary profile must have one). At the global buffer (the level
/// holding inputs): each input row is read once per strip that needs it and per ⌈(M/p)/sets⌉
/// passes over the filters; partial sums go out and back once per channel group of q after the
/// first (accumulator width). Weights come from DRAM into the register files.
public struct RowStationary: DataflowModel {
    public init() {}

    /// The loop bounds of one layer on the array.
    struct Mapping {
        var r: Int, s: Int, e: Int, f: Int, c: Int, m: Int
        var setRows: Int, setCols: Int, verticalFolds: Int, strips: Int, sets: Int, p: Int, q: Int

        init(_ layer: LayerWorkload, _ array: ComputeArray) {
            let conv = layer.kind == .conv
            let (k, mm, _) = layer.gemmShape
            r = conv ? layer.kernelHeight : 1
            s = conv ? layer.kernelWidth : 1
            e = conv ? layer.outputShape.height : 1
            f = conv ? layer.outputShape.width : 1
            c = conv ? layer.inputShape.channels / layer.groups : k
            m = mm
            setRows = min(r, array.rows)
            setCols = min(e, array.cols)
            verticalFolds = ceilDiv(r, setRows)
            strips = ceilDiv(e, setCols)
            sets = (array.rows / setRows) * (array.cols / setCols)
            let rf = array.registerFile ?? RegisterFileWords(weights: 1, inputs: 1, psums: 1)
            q = max(1, min(c, rf.inputs / s))
            p = max(1, min(m, rf.weights / (q * s), rf.psums))
        }
    }

    public func schedule(
        _ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision, batch: Int
    ) -> FoldSchedule {
        let d = Mapping(layer, array)
        let jobs = ceilDiv(d.m, d.p) * ceilDiv(d.c, d.q) * batch * d.verticalFolds * d.strips
        let rounds = ceilDiv(jobs, d.sets)
        let perRound = d.p * d.q * ceilDiv(d.s, precision.macsPerUnit) * d.f
        return FoldSchedule(
            rowFolds: rounds, colFolds: d.strips, folds: layer.groups * rounds,
            cycles: layer.groups * rounds * perRound,
            firstFoldWeightShare: 1 / Double(layer.groups * rounds),
            firstFoldInputShare: 1 / Double(layer.groups * d.strips * batch))
    }

    public func arrayReads(
        _ layer: LayerWorkload, on array: ComputeArray, at precision: ExecutionPrecision,
        schedule: FoldSchedule, batch: Int, weightBits: Int, inputBits: Int
    ) -> ArrayReads {
        let d = Mapping(layer, array)
        let run = precision.run
        let acc = array.accumulatorBits
        let macs = layer.macs * batch
        let width = layer.kind == .conv ? layer.inputShape.width + 2 * layer.padding : 1
        let height = layer.kind == .conv ? layer.inputShape.height + 2 * layer.padding : 1
        let rowsPerStrip = min((d.setCols - 1) * layer.stride + d.r, height)
        let filterPasses = ceilDiv(ceilDiv(d.m, d.p), min(ceilDiv(d.m, d.p), d.sets))
        let inputReads = layer.groups * d.c * d.strips * rowsPerStrip * width * batch * filterPasses
        let spills = max(ceilDiv(d.c, d.q) * d.verticalFolds - 1, 0)
        return ArrayReads(
            weights: 0, inputs: inputReads * run.activationOperandBits,
            partialSums: 2 * spills * layer.groups * d.m * d.e * d.f * batch * acc,
            registerFile: macs * (run.weightOperandBits + run.activationOperandBits + 2 * acc))
    }
}
