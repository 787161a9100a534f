import PolybitData
import PolybitHDF5

extension IntegerModel {
    /// Reads and validates an integer model file (schema: docs/integer-model.md). Every missing or
    /// mistyped field throws one `IntegerModelError` naming the file, layer and field; unreadable
    /// files throw `HDF5Error`. Both are bad input.
    public static func read(path: String) throws -> IntegerModel {
        let file = try HDF5File(path: path, mode: .readOnly)
        let root = FieldReader(group: file.root, file: path, layer: nil, prefix: "")
        guard root.group.hasAttribute("format") else {
            throw root.fail(
                "format", "missing root attribute; not a Polybit integer model (expected format = '\(formatName)')")
        }
        let format = try root.string("format")
        guard format == formatName else {
            throw root.fail("format", "is '\(format)'; expected '\(formatName)'")
        }
        let version = try root.int("format_version")
        guard version == formatVersion else {
            throw root.fail("format_version", "is \(version); this Polybit reads version \(formatVersion)")
        }
        guard file.root.isGroup("input") else { throw root.fail("input", "missing group /input") }
        let inputs = FieldReader(group: try file.root.group("input"), file: path, layer: nil, prefix: "input/")
        let inputShape = try inputs.ints("shape", count: 3)
        let input = try inputs.quantization()
        guard file.root.isGroup("layers") else { throw root.fail("layers", "missing group /layers") }
        let layersGroup = try file.root.group("layers")
        let order = try FieldReader(group: layersGroup, file: path, layer: nil, prefix: "layers/").strings("order")
        var layers: [IntegerLayer] = []
        for name in order {
            guard layersGroup.isGroup(name) else {
                throw IntegerModelError(
                    file: path, layer: name, field: nil,
                    message: "listed in /layers 'order' but there is no group /layers/\(name)")
            }
            let r = FieldReader(group: try layersGroup.group(name), file: path, layer: name, prefix: "")
            layers.append(try r.layer(name: name))
        }
        var normalization: ChannelNormalization?
        let inputGroup = try file.root.group("input")
        if inputGroup.hasAttribute("normalization_mean") {
            let mean = try inputGroup.attribute("normalization_mean").doublesValue ?? []
            let std = try inputGroup.attribute("normalization_std").doublesValue ?? []
            guard mean.count == inputShape[0], std.count == inputShape[0], std.allSatisfy({ $0 > 0 }) else {
                throw IntegerModelError(
                    file: path, layer: nil, field: "input/normalization_mean",
                    message: "normalization_mean and normalization_std need one value per input channel (std > 0)")
            }
            normalization = ChannelNormalization(mean: mean.map(Float.init), std: std.map(Float.init))
        }
        let model = IntegerModel(
            inputShape: inputShape, input: input, layers: layers, inputNormalization: normalization)
        try model.validate(file: path)
        return model
    }

    /// Writes the model to `path` atomically (a temporary file renamed into place), weights in the
    /// narrowest integer type that holds `weightBits`. Validates first.
    public func write(to path: String) throws {
        try validate(file: path)
        try HDF5File.writeAtomically(to: path) { file in
            let root = file.root
            try root.setAttribute("format", .string(Self.formatName))
            try root.setAttribute("format_version", .int(Self.formatVersion))
            let input = try root.createGroup("input")
            try input.setAttribute("shape", .ints(inputShape))
            try Self.writeQuantization(self.input, to: input)
            if let n = inputNormalization {
                try input.setAttribute("normalization_mean", .doubles(n.mean.map(Double.init)))
                try input.setAttribute("normalization_std", .doubles(n.std.map(Double.init)))
            }
            let group = try root.createGroup("layers")
            try group.setAttribute("order", .strings(layers.map(\.name)))
            for layer in layers {
                let g = try group.createGroup(layer.name)
                try g.setAttribute("op", .string(layer.op.name))
                try g.setAttribute("inputs", .strings(layer.inputs))
                try Self.writeQuantization(layer.output, to: g)
                try Self.writeOp(layer.op, to: g)
            }
        }
    }

    static func writeQuantization(_ q: Quantization, to g: HDF5Group) throws {
        try g.setAttribute("bits", .int(q.bits))
        try g.setAttribute("signed", .int(q.signed ? 1 : 0))
        try g.setAttribute("scale", .double(q.scale))
        try g.setAttribute("zero_point", .int(q.zeroPoint))
    }

    /// The Q31 multipliers and shifts of a residual add, as attributes of its layer group.
    static func writeAddRescale(_ r: AddRescale, to g: HDF5Group) throws {
        try g.setAttribute("input_multipliers", .ints(r.inputs.map { Int($0.multiplier) }))
        try g.setAttribute("input_shifts", .ints(r.inputs.map { Int($0.shift) }))
        try g.setAttribute("output_multiplier", .int(Int(r.output.multiplier)))
        try g.setAttribute("output_shift", .int(Int(r.output.shift)))
        try g.setAttribute("left_shift", .int(r.leftShift))
    }

    static func writeRequant(_ r: Requantization, to g: HDF5Group) throws {
        try g.write("requant_scale", r.scale, shape: [r.scale.count], options: .contiguous)
        try g.write("requant_multiplier", r.multiplier, shape: [r.multiplier.count], options: .contiguous)
        try g.write("requant_shift", r.shift, shape: [r.shift.count], options: .contiguous)
    }

    static func writeOp(_ op: LayerOp, to g: HDF5Group) throws {
        switch op {
        case .conv(let w), .linear(let w):
            switch IntegerStorage.typeName(bits: w.weightBits, signed: w.weightSigned) {
            case "int8": try g.write("weights", w.weights.map { Int8($0) }, shape: w.weightShape)
            case "uint8": try g.write("weights", w.weights.map { UInt8($0) }, shape: w.weightShape)
            case "int16": try g.write("weights", w.weights.map { Int16($0) }, shape: w.weightShape)
            case "uint16": try g.write("weights", w.weights.map { UInt16($0) }, shape: w.weightShape)
            default: try g.write("weights", w.weights, shape: w.weightShape)
            }
            try g.setAttribute("weight_bits", .int(w.weightBits))
            try g.setAttribute("weight_signed", .int(w.weightSigned ? 1 : 0))
            try g.write("weight_scale", w.weightScale, shape: [w.weightScale.count], options: .contiguous)
            try g.write("bias", w.bias, shape: [w.bias.count], options: .contiguous)
            if let zc = w.zc {
                if zc.allSatisfy({ Int64(Int32.min)...Int64(Int32.max) ~= $0 }) {
                    try g.write("zc", zc.map { Int32($0) }, shape: [zc.count], options: .contiguous)
                } else {
                    try g.write("zc", zc, shape: [zc.count], options: .contiguous)
                }
            }
            if let r = w.biasFraction {
                try g.write("bias_fraction", r.map { Int32(clamping: $0) }, shape: [r.count], options: .contiguous)
            }
            if w.zc != nil || w.biasFraction != nil { try g.setAttribute("zc_fraction_bits", .int(w.zcFractionBits)) }
            try writeRequant(w.requant, to: g)
            if case .conv = op {
                try g.setAttribute("stride", .ints(w.stride))
                try g.setAttribute("padding", .ints(w.padding))
            }
        case .add(let r):
            try writeAddRescale(r, to: g)
        case .clamp(let lo, let hi):
            try g.setAttribute("min", .int(lo))
            try g.setAttribute("max", .int(hi))
        case .maxpool(let p):
            try writeWindow(p, to: g)
        case .avgpool(let p, let r):
            try writeWindow(p, to: g)
            try writeRequant(r, to: g)
        case .globalAvgpool(let r):
            try writeRequant(r, to: g)
        case .relu, .flatten:
            break
        case .softmax, .gelu, .layernorm, .matmul, .tokens, .tokenEmbed, .splitHeads, .mergeHeads, .selectToken:
            try writeTransformerOp(op, to: g)
        }
    }

    static func writeWindow(_ p: PoolWindow, to g: HDF5Group) throws {
        try g.setAttribute("kernel", .ints(p.kernel))
        try g.setAttribute("stride", .ints(p.stride))
        try g.setAttribute("padding", .ints(p.padding))
    }
}

/// Reads typed fields of one group, turning every problem into an `IntegerModelError`.
struct FieldReader {
    let group: HDF5Group
    let file: String
    let layer: String?
    let prefix: String

    func fail(_ field: String, _ message: String) -> IntegerModelError {
        IntegerModelError(file: file, layer: layer, field: prefix + field, message: message)
    }

    func attribute(_ key: String) throws -> HDF5AttributeValue {
        guard group.hasAttribute(key) else { throw fail(key, "missing attribute") }
        do { return try group.attribute(key) } catch {
            throw fail(key, "unreadable attribute (use integers, floats or strings; write booleans as 0/1)")
        }
    }

    func int(_ key: String) throws -> Int {
        guard let v = try attribute(key).intValue else { throw fail(key, "expected an integer attribute") }
        return v
    }

    func bool(_ key: String) throws -> Bool {
        let v = try int(key)
        guard v == 0 || v == 1 else { throw fail(key, "expected 0 or 1, got \(v)") }
        return v == 1
    }

    func double(_ key: String) throws -> Double {
        guard let v = try attribute(key).doubleValue else { throw fail(key, "expected a number attribute") }
        return v
    }

    func string(_ key: String) throws -> String {
        guard let v = try attribute(key).stringValue else { throw fail(key, "expected a string attribute") }
        return v
    }

    func strings(_ key: String) throws -> [String] {
        guard let v = try attribute(key).stringsValue else { throw fail(key, "expected an array of strings") }
        return v
    }

    func ints(_ key: String, count: Int? = nil) throws -> [Int] {
        guard let v = try attribute(key).intsValue else { throw fail(key, "expected an integer array attribute") }
        if let count, v.count != count { throw fail(key, "expected \(count) integers, got \(v.count)") }
        return v
    }

    func quantization() throws -> Quantization {
        Quantization(
            bits: try int("bits"), signed: try bool("signed"), scale: try double("scale"),
            zeroPoint: try int("zero_point"))
    }

    /// Reads dataset `key` as `T`, requiring a stored type in `allowed` and rank `rank`.
    func dataset<T: HDF5Scalar>(
        _ key: String, as type: T.Type, allowed: [HDF5ElementType],
        rank: Int
    ) throws -> HDF5Array<T> {
        guard group.contains(key), !group.isGroup(key) else { throw fail(key, "missing dataset") }
        let info = try group.datasetInfo(key)
        guard let et = info.elementType, allowed.contains(et) else {
            throw fail(
                key,
                "has dtype \(info.elementType?.rawValue ?? "non-numeric"); expected \(allowed.map(\.rawValue).joined(separator: " or "))"
            )
        }
        guard info.shape.count == rank else {
            throw fail(key, "has shape \(info.shape); expected rank \(rank)")
        }
        return try group.read(key, as: type)
    }

    func requant() throws -> Requantization {
        Requantization(
            scale: try dataset("requant_scale", as: Float.self, allowed: [.float32], rank: 1).values,
            multiplier: try dataset("requant_multiplier", as: Int32.self, allowed: [.int32], rank: 1).values,
            shift: try dataset("requant_shift", as: Int32.self, allowed: [.int8, .int16, .int32], rank: 1).values)
    }

    /// The Q31 multipliers and shifts of a residual add (`input_multipliers`, `input_shifts`,
    /// `output_multiplier`, `output_shift`, `left_shift`).
    func addRescale() throws -> AddRescale {
        let m = try ints("input_multipliers", count: 2), s = try ints("input_shifts", count: 2)
        guard m.allSatisfy({ Int32(exactly: $0) != nil }), s.allSatisfy({ Int32(exactly: $0) != nil }) else {
            throw fail("input_multipliers", "values must fit int32")
        }
        return AddRescale(
            inputs: (0..<2).map { QuantizedMultiplier(multiplier: Int32(m[$0]), shift: Int32(s[$0])) },
            output: QuantizedMultiplier(
                multiplier: Int32(clamping: try int("output_multiplier")),
                shift: Int32(clamping: try int("output_shift"))),
            leftShift: try int("left_shift"))
    }

    func window() throws -> PoolWindow {
        PoolWindow(
            kernel: try ints("kernel", count: 2), stride: try ints("stride", count: 2),
            padding: try ints("padding", count: 2))
    }

    func weighted(conv: Bool) throws -> WeightedLayer {
        let bits = try int("weight_bits"), signed = try bool("weight_signed")
        let narrowest = IntegerStorage.typeName(bits: bits, signed: signed)
        if group.contains("weights"), let et = try? group.datasetInfo("weights").elementType,
            et.rawValue != narrowest
        {
            throw fail(
                "weights",
                "has dtype \(et.rawValue); \(bits)-bit \(signed ? "signed" : "unsigned") weights are stored in the narrowest type, \(narrowest)"
            )
        }
        let w = try dataset(
            "weights", as: Int32.self, allowed: [HDF5ElementType(rawValue: narrowest)!], rank: conv ? 4 : 2)
        let zc: [Int64]? =
            group.contains("zc")
            ? try dataset("zc", as: Int64.self, allowed: [.int8, .int16, .int32, .int64], rank: 1).values : nil
        let biasFraction: [Int64]? =
            group.contains("bias_fraction")
            ? try dataset("bias_fraction", as: Int64.self, allowed: [.int8, .int16, .int32, .int64], rank: 1).values
            : nil
        return WeightedLayer(
            weights: w.values, weightShape: w.shape, weightBits: bits, weightSigned: signed,
            weightScale: try dataset("weight_scale", as: Double.self, allowed: [.float32, .float64], rank: 1).values,
            bias: try dataset("bias", as: Int32.self, allowed: [.int32], rank: 1).values,
            zc: zc, zcFractionBits: zc == nil && biasFraction == nil ? 0 : try int("zc_fraction_bits"),
            biasFraction: biasFraction,
            requant: try requant(),
            stride: conv ? try ints("stride", count: 2) : [1, 1],
            padding: conv ? try ints("padding", count: 2) : [0, 0])
    }

    func layer(name: String) throws -> IntegerLayer {
        let opName = try string("op")
        let op: LayerOp
        switch opName {
        case "conv": op = .conv(try weighted(conv: true))
        case "linear": op = .linear(try weighted(conv: false))
        case "add": op = .add(try addRescale())
        case "relu": op = .relu
        case "clamp": op = .clamp(min: try int("min"), max: try int("max"))
        case "maxpool": op = .maxpool(try window())
        case "avgpool": op = .avgpool(try window(), try requant())
        case "global_avgpool": op = .globalAvgpool(try requant())
        case "flatten": op = .flatten
        case let other where transformerOpNames.contains(other): op = try transformerOp(other)
        default:
            throw fail("op", "unknown op '\(opName)'; expected one of \(LayerOp.names.joined(separator: ", "))")
        }
        return IntegerLayer(name: name, op: op, inputs: try strings("inputs"), output: try quantization())
    }
}
