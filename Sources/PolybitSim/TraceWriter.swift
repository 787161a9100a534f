import PolybitHDF5

/// Writes layer traces as a self-describing HDF5 file that h5py or h5dump read without Polybit.
///
/// Root attributes: `format` = "polybit-trace", `format_version` = 1, `model`, `requant_mode`,
/// `accumulator_bits`, `overflow`, `samples`, `layers` (traced layer names in execution order);
/// root dataset `labels` (int32 `[samples]`) when the images came with labels.
/// One group per traced layer with attributes `op` and `inputs`, and datasets: `input` (or
/// `input_0`, `input_1` for add), `output`, and where the layer has them `weights`, `bias`, `zc`,
/// `window_sum`, `accumulator`, `requant_scale`, `requant_multiplier`, `requant_shift`. Integer
/// tensors carry `bits`, `signed`, `scale`, `zero_point`, `shape_order`.
public enum TraceWriter {
    /// Format name at the trace root.
    public static let formatName = "polybit-trace"

    /// Writes `traces` (from `IntegerSimulator.trace`) and the images' `labels`, if any, to `path`
    /// atomically.
    public static func write(
        _ traces: [LayerTrace], simulator: IntegerSimulator, modelPath: String, labels: [Int32]? = nil,
        to path: String
    ) throws {
        let model = simulator.model, config = simulator.config
        var quant = [IntegerModel.inputName: model.input]
        for l in model.layers { quant[l.name] = l.output }
        try HDF5File.writeAtomically(to: path) { file in
            let root = file.root
            try root.setAttribute("format", .string(formatName))
            try root.setAttribute("format_version", .int(1))
            try root.setAttribute("model", .string(modelPath))
            try root.setAttribute("requant_mode", .string(config.requant.rawValue))
            try root.setAttribute("accumulator_bits", .int(config.accumulator.bits))
            try root.setAttribute("overflow", .string(config.accumulator.overflow.rawValue))
            try root.setAttribute(
                "samples", .int(traces.first.map { $0.output.count / max(1, $0.outputShape.reduce(1, *)) } ?? 0))
            try root.setAttribute("layers", .strings(traces.map(\.layer.name)))
            if let labels { try root.write("labels", labels, shape: [labels.count]) }
            for t in traces {
                let n = t.output.count / max(1, t.outputShape.reduce(1, *))
                let g = try root.createGroup(t.layer.name)
                try g.setAttribute("op", .string(t.layer.op.name))
                try g.setAttribute("inputs", .strings(t.layer.inputs))
                for (i, name) in t.layer.inputs.enumerated() {
                    try tensor(
                        g, t.inputs.count == 1 ? "input" : "input_\(i)", t.inputs[i],
                        shape: [n] + t.inputShapes[i], quant: quant[name]!)
                }
                try tensor(g, "output", t.output, shape: [n] + t.outputShape, quant: t.layer.output)
                switch t.layer.op {
                case .conv(let w), .linear(let w):
                    let isConv = w.weightShape.count == 4
                    let wq = Quantization(bits: w.weightBits, signed: w.weightSigned, scale: 1, zeroPoint: 0)
                    try ints(g, "weights", w.weights, shape: w.weightShape, quant: wq)
                    try g.setAttribute("scale", .doubles(w.weightScale), on: "weights")
                    try g.setAttribute("shape_order", .string(isConv ? "OCHW" : "OI"), on: "weights")
                    try g.write("bias", w.bias, shape: [w.bias.count], options: .contiguous)
                    try g.setAttribute("shape_order", .string("O"), on: "bias")
                    try g.setAttribute(
                        "units", .string("accumulator LSB (input scale x weight scale of the channel)"), on: "bias")
                    if let zc = w.zc {
                        try g.write("zc", zc, shape: [zc.count], options: .contiguous)
                        try g.setAttribute("fraction_bits", .int(w.zcFractionBits), on: "zc")
                    }
                    if let r = w.biasFraction {
                        try g.write("bias_fraction", r, shape: [r.count], options: .contiguous)
                        try g.setAttribute("fraction_bits", .int(w.zcFractionBits), on: "bias_fraction")
                    }
                    if let s = t.windowSum {
                        let spatial = Array(isConv ? t.outputShape.dropFirst() : t.outputShape.dropLast())
                        try g.write("window_sum", s, shape: [n] + spatial)
                        let order = isConv ? "NHW" : spatial.isEmpty ? "N" : "NT"
                        try g.setAttribute("shape_order", .string(order), on: "window_sum")
                    }
                    try accumulator(
                        g, t, n: n, fractionBits: w.zcFractionBits, config: config,
                        meaning:
                            "T = 2^F * (bias + sum q*(x - zp_x)) + Z_c * sum (x - zp_x) + R_c; requant divides by 2^F")
                    try requant(g, w.requant)
                case .avgpool(_, let r), .globalAvgpool(let r):
                    try accumulator(
                        g, t, n: n, fractionBits: 0, config: config,
                        meaning: "window sum of (x - zp_x), padding counted as zero")
                    try requant(g, r)
                case .add(let r):
                    try IntegerModel.writeAddRescale(r, to: g)
                case .gelu(_, let r):
                    try requant(g, r)
                case .layernorm(let p):
                    try requant(g, p.requant)
                case .matmul(let p):
                    try requant(g, p.requant)
                case .relu, .clamp, .maxpool, .flatten, .softmax, .tokens, .tokenEmbed, .splitHeads, .mergeHeads,
                    .selectToken:
                    break
                }
            }
        }
    }

    private static func order(_ rank: Int) -> String {
        rank == 4 ? "NCHW" : rank == 2 ? "NF" : rank == 1 ? "N" : "N" + String(repeating: "?", count: rank - 1)
    }

    private static func tensor(_ g: HDF5Group, _ name: String, _ v: [Int32], shape: [Int], quant: Quantization) throws {
        try ints(g, name, v, shape: shape, quant: quant)
        try g.setAttribute("shape_order", .string(order(shape.count)), on: name)
    }

    /// An integer dataset in the narrowest type for `quant.bits`, with quantization attributes.
    private static func ints(_ g: HDF5Group, _ name: String, _ v: [Int32], shape: [Int], quant: Quantization) throws {
        switch IntegerStorage.typeName(bits: quant.bits, signed: quant.signed) {
        case "int8": try g.write(name, v.map { Int8($0) }, shape: shape)
        case "uint8": try g.write(name, v.map { UInt8($0) }, shape: shape)
        case "int16": try g.write(name, v.map { Int16($0) }, shape: shape)
        case "uint16": try g.write(name, v.map { UInt16($0) }, shape: shape)
        default: try g.write(name, v, shape: shape)
        }
        try g.setAttribute("bits", .int(quant.bits), on: name)
        try g.setAttribute("signed", .int(quant.signed ? 1 : 0), on: name)
        try g.setAttribute("scale", .double(quant.scale), on: name)
        try g.setAttribute("zero_point", .int(quant.zeroPoint), on: name)
    }

    private static func accumulator(
        _ g: HDF5Group, _ t: LayerTrace, n: Int, fractionBits: Int,
        config: SimulationConfig, meaning: String
    ) throws {
        guard let acc = t.accumulator else { return }
        try g.write("accumulator", acc, shape: [n] + t.outputShape)
        try g.setAttribute("bits", .int(config.accumulator.bits), on: "accumulator")
        try g.setAttribute("signed", .int(1), on: "accumulator")
        try g.setAttribute("overflow", .string(config.accumulator.overflow.rawValue), on: "accumulator")
        try g.setAttribute("fraction_bits", .int(fractionBits), on: "accumulator")
        try g.setAttribute("shape_order", .string(order(t.outputShape.count + 1)), on: "accumulator")
        try g.setAttribute("meaning", .string(meaning), on: "accumulator")
    }

    private static func requant(_ g: HDF5Group, _ r: Requantization) throws {
        try g.write("requant_scale", r.scale, shape: [r.scale.count], options: .contiguous)
        try g.write("requant_multiplier", r.multiplier, shape: [r.multiplier.count], options: .contiguous)
        try g.write("requant_shift", r.shift, shape: [r.shift.count], options: .contiguous)
        try g.setAttribute(
            "meaning", .string("onnx mode: float32 scale; TFLite modes: multiplier * 2^(shift - 31)"),
            on: "requant_scale")
    }
}
