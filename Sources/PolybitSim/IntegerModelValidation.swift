extension IntegerModel {
    /// The largest input extent, kernel, stride or padding a model may state (2^20): shape
    /// arithmetic on larger ones could overflow `Int` (found by tools/fuzz.sh model: a padding
    /// near 2^62 trapped in the checked build and wrapped silently in the shipped one).
    public static let maximumExtent = 1 << 20

    /// Checks every layer and returns the per-image shape of every tensor (`"input"` and each
    /// layer name): `[C, H, W]` or `[F]`. Throws `IntegerModelError` naming `file`, the layer and
    /// the field at the first problem. With `checkingValues` false only the structure is checked
    /// (names, inputs, shapes), not widths, scales, weights or multipliers: what the cost model
    /// needs of a plan costed at float's 32-bit operands, which no integer model file can hold.
    public func shapes(file: String = "<memory>", checkingValues: Bool = true) throws -> [String: [Int]] {
        guard inputShape.count == 3, inputShape.allSatisfy({ (1...Self.maximumExtent).contains($0) }) else {
            throw IntegerModelError(
                file: file, layer: nil, field: "input/shape",
                message: "expected [C, H, W] with extents in 1...\(Self.maximumExtent), got \(inputShape)")
        }
        if checkingValues { try Self.check(input, file: file, layer: nil, prefix: "input/") }
        guard !layers.isEmpty else {
            throw IntegerModelError(file: file, layer: nil, field: "layers", message: "the model has no layers")
        }
        var shapes: [String: [Int]] = [Self.inputName: inputShape]
        var quant: [String: Quantization] = [Self.inputName: input]
        for layer in layers {
            let check = try LayerCheck(
                layer, file: file, shapes: shapes, quant: quant, checkingValues: checkingValues)
            if checkingValues { try Self.check(layer.output, file: file, layer: layer.name, prefix: "") }
            shapes[layer.name] = try check.outputShape()
            quant[layer.name] = layer.output
        }
        return shapes
    }

    /// Throws unless the model is valid (see `shapes(file:)`).
    public func validate(file: String = "<memory>") throws { _ = try shapes(file: file) }

    /// Per-image shape of the model output (the last layer's tensor).
    public func outputShape() throws -> [Int] { try shapes()[layers.last!.name]! }

    static func check(_ q: Quantization, file: String, layer: String?, prefix: String) throws {
        func fail(_ field: String, _ m: String) -> IntegerModelError {
            IntegerModelError(file: file, layer: layer, field: prefix + field, message: m)
        }
        guard (1...24).contains(q.bits) else { throw fail("bits", "expected 1...24, got \(q.bits)") }
        guard q.scale > 0, q.scale.isFinite else {
            throw fail("scale", "expected a positive finite scale, got \(q.scale)")
        }
        guard (q.qmin...q.qmax).contains(q.zeroPoint) else {
            throw fail(
                "zero_point",
                "\(q.zeroPoint) is outside [\(q.qmin), \(q.qmax)] for \(q.bits)-bit \(q.signed ? "signed" : "unsigned")"
            )
        }
    }

    static func check(_ m: QuantizedMultiplier, file: String, layer: String, field: String) throws {
        guard m.multiplier == 0 || m.multiplier >= 1 << 30 else {
            throw IntegerModelError(
                file: file, layer: layer, field: field,
                message: "Q31 multiplier \(m.multiplier) must be 0 or in [2^30, 2^31)")
        }
        guard (-31...30).contains(m.shift) else {
            throw IntegerModelError(
                file: file, layer: layer, field: field,
                message: "shift \(m.shift) must be in -31...30")
        }
    }

    static func check(_ r: Requantization, channels: Int, file: String, layer: String) throws {
        func fail(_ field: String, _ m: String) -> IntegerModelError {
            IntegerModelError(file: file, layer: layer, field: field, message: m)
        }
        for (field, n) in [
            ("requant_scale", r.scale.count), ("requant_multiplier", r.multiplier.count),
            ("requant_shift", r.shift.count),
        ] where n != 1 && n != channels {
            throw fail(
                field,
                "expected \(channels == 1 ? "1 value" : "1 or \(channels) values (one per output channel)"), got \(n)")
        }
        guard r.scale.allSatisfy({ $0 >= 0 && $0.isFinite }) else {
            throw fail("requant_scale", "scales must be finite and non-negative")
        }
        for (m, s) in zip(r.multiplier, r.shift) {
            try check(
                QuantizedMultiplier(multiplier: m, shift: s), file: file, layer: layer,
                field: m == 0 || m >= 1 << 30 ? "requant_shift" : "requant_multiplier")
        }
        if r.multiplier.count != r.shift.count && min(r.multiplier.count, r.shift.count) != 1 {
            throw fail("requant_shift", "must have as many values as requant_multiplier")
        }
    }

    static func check(_ w: WeightedLayer, file: String, layer: String) throws {
        func fail(_ field: String, _ m: String) -> IntegerModelError {
            IntegerModelError(file: file, layer: layer, field: field, message: m)
        }
        let o = w.outChannels
        guard w.weights.count == w.weightShape.reduce(1, *) else {
            throw fail("weights", "\(w.weights.count) values for shape \(w.weightShape)")
        }
        guard (1...16).contains(w.weightBits) else { throw fail("weight_bits", "expected 1...16, got \(w.weightBits)") }
        let wq = Quantization(bits: w.weightBits, signed: w.weightSigned, scale: 1, zeroPoint: 0)
        if let bad = w.weights.first(where: { Int($0) < wq.qmin || Int($0) > wq.qmax }) {
            throw fail(
                "weights",
                "value \(bad) is outside [\(wq.qmin), \(wq.qmax)] for \(w.weightBits)-bit \(w.weightSigned ? "signed" : "unsigned") weights"
            )
        }
        guard w.weightScale.count == 1 || w.weightScale.count == o else {
            throw fail("weight_scale", "expected 1 or \(o) values, got \(w.weightScale.count)")
        }
        guard w.bias.count == o else {
            throw fail("bias", "expected \(o) values (one per output channel), got \(w.bias.count)")
        }
        if let zc = w.zc {
            guard zc.count == o else {
                throw fail("zc", "expected \(o) values (one per output channel), got \(zc.count)")
            }
            guard zc.allSatisfy({ abs($0) < 1 << 46 }) else { throw fail("zc", "|Z_c| must be below 2^46") }
        }
        if let r = w.biasFraction {
            guard r.count == o else {
                throw fail("bias_fraction", "expected \(o) values (one per output channel), got \(r.count)")
            }
            guard r.allSatisfy({ abs($0) <= Int64(1) << w.zcFractionBits }) else {
                throw fail("bias_fraction", "|R_c| must be at most 2^zc_fraction_bits (\(1 << w.zcFractionBits))")
            }
        }
        guard (0...30).contains(w.zcFractionBits) else {
            throw fail("zc_fraction_bits", "expected 0...30, got \(w.zcFractionBits)")
        }
        guard w.stride.count == 2, w.padding.count == 2 else {
            throw fail("stride", "stride and padding must be pairs [h, w]")
        }
        try check(w.requant, channels: o, file: file, layer: layer)
    }
}

/// One layer of `IntegerModel.shapes(file:)`: its name and inputs resolved against the tensors
/// before it, and the op's checks that yield its output shape.
struct LayerCheck {
    let layer: IntegerLayer
    let file: String
    /// Per-image shapes and quantizations of `layer.inputs`, in order.
    let inShapes: [[Int]], inQuant: [Quantization]
    /// False: structure only (see `IntegerModel.shapes(file:checkingValues:)`).
    let checkingValues: Bool

    /// Checks the name (non-empty, no `/`, unique) and resolves the inputs in `shapes`/`quant`
    /// (`"input"` and the layers before this one).
    init(
        _ layer: IntegerLayer, file: String, shapes: [String: [Int]], quant: [String: Quantization],
        checkingValues: Bool
    ) throws {
        self.layer = layer
        self.file = file
        self.checkingValues = checkingValues
        let name = layer.name
        func fail(_ field: String, _ message: String) -> IntegerModelError {
            IntegerModelError(file: file, layer: name, field: field, message: message)
        }
        guard !name.isEmpty, !name.contains("/"), shapes[name] == nil else {
            throw fail("name", "layer names must be non-empty, without '/', unique and not 'input'")
        }
        let needed: Int
        switch layer.op {
        case .add, .matmul: needed = 2
        default: needed = 1
        }
        guard layer.inputs.count == needed else {
            throw fail("inputs", "op '\(layer.op.name)' needs \(needed) input name(s), got \(layer.inputs)")
        }
        var inShapes: [[Int]] = [], inQuant: [Quantization] = []
        for i in layer.inputs {
            guard let s = shapes[i], let q = quant[i] else {
                throw fail("inputs", "'\(i)' is neither 'input' nor an earlier layer")
            }
            inShapes.append(s); inQuant.append(q)
        }
        self.inShapes = inShapes
        self.inQuant = inQuant
    }

    var name: String { layer.name }
    /// The first input's per-image shape.
    var x: [Int] { inShapes[0] }

    func fail(_ field: String, _ message: String) -> IntegerModelError {
        IntegerModelError(file: file, layer: name, field: field, message: message)
    }

    /// The op's checks; returns the layer's per-image output shape.
    func outputShape() throws -> [Int] {
        switch layer.op {
        case .conv(let w):
            return try convShape(w)
        case .linear(let w):
            return try linearShape(w)
        case .add(let r):
            try checkAdd(r)
            return x
        case .relu:
            try sameQuant()
            return x
        case .clamp(let lo, let hi):
            try sameQuant()
            guard lo <= hi, lo >= layer.output.qmin, hi <= layer.output.qmax else {
                throw fail(
                    "min",
                    "clamp range [\(lo), \(hi)] must be ordered and inside [\(layer.output.qmin), \(layer.output.qmax)]"
                )
            }
            return x
        case .maxpool(let p):
            try needImage(); try sameQuant()
            return [x[0]] + (try window(p.kernel, p.stride, p.padding, field: "kernel"))
        case .avgpool(let p, let r):
            try needImage()
            let out = [x[0]] + (try window(p.kernel, p.stride, p.padding, field: "kernel"))
            if checkingValues { try IntegerModel.check(r, channels: 1, file: file, layer: name) }
            return out
        case .globalAvgpool(let r):
            try needImage()
            if checkingValues { try IntegerModel.check(r, channels: 1, file: file, layer: name) }
            return [x[0], 1, 1]
        case .flatten:
            return [x.reduce(1, *)]
        case .softmax, .gelu, .layernorm, .matmul, .tokens, .tokenEmbed, .splitHeads, .mergeHeads, .selectToken:
            return try transformerShape()
        }
    }

    /// `[O, oH, oW]` of a convolution over a `[C, H, W]` input with `C` input channels.
    func convShape(_ w: WeightedLayer) throws -> [Int] {
        try needImage()
        guard w.weightShape.count == 4, w.weightShape.allSatisfy({ $0 > 0 }) else {
            throw fail("weights", "expected shape [O, C, kH, kW], got \(w.weightShape)")
        }
        guard w.weightShape[1] == x[0] else {
            throw fail("weights", "has \(w.weightShape[1]) input channels, the input '\(layer.inputs[0])' has \(x[0])")
        }
        if checkingValues { try IntegerModel.check(w, file: file, layer: name) }
        let hw = try window(Array(w.weightShape[2...]), w.stride, w.padding, field: "stride")
        return [w.weightShape[0]] + hw
    }

    /// `[O]` of a linear layer whose `I` inputs are the flattened input, or `[T, O]` for a `[T, I]`
    /// token input.
    func linearShape(_ w: WeightedLayer) throws -> [Int] {
        guard w.weightShape.count == 2, w.weightShape.allSatisfy({ $0 > 0 }) else {
            throw fail("weights", "expected shape [O, I], got \(w.weightShape)")
        }
        if x.count == 2 {
            guard w.weightShape[1] == x[1] else {
                throw fail(
                    "weights",
                    "has \(w.weightShape[1]) inputs, the tokens of '\(layer.inputs[0])' have \(x[1]) values \(x)")
            }
            if checkingValues { try IntegerModel.check(w, file: file, layer: name) }
            return [x[0], w.weightShape[0]]
        }
        guard w.weightShape[1] == x.reduce(1, *) else {
            throw fail(
                "weights",
                "has \(w.weightShape[1]) inputs, the input '\(layer.inputs[0])' has \(x.reduce(1, *)) values \(x)")
        }
        if checkingValues { try IntegerModel.check(w, file: file, layer: name) }
        return [w.weightShape[0]]
    }

    /// Two inputs of one shape and valid Q31 rescale multipliers.
    func checkAdd(_ r: AddRescale) throws {
        guard inShapes[0] == inShapes[1] else {
            throw fail("inputs", "'\(layer.inputs[0])' is \(inShapes[0]) but '\(layer.inputs[1])' is \(inShapes[1])")
        }
        guard checkingValues else { return }
        guard r.inputs.count == 2 else {
            throw fail("input_multipliers", "expected 2 multipliers, got \(r.inputs.count)")
        }
        for (i, m) in r.inputs.enumerated() {
            try IntegerModel.check(m, file: file, layer: name, field: "input_multipliers[\(i)]")
        }
        try IntegerModel.check(r.output, file: file, layer: name, field: "output_multiplier")
        guard (0...30).contains(r.leftShift) else {
            throw fail("left_shift", "expected 0...30, got \(r.leftShift)")
        }
    }

    /// The first input is a `[C, H, W]` image.
    func needImage() throws {
        guard x.count == 3 else {
            throw fail("inputs", "op '\(layer.op.name)' needs a [C, H, W] input, '\(layer.inputs[0])' is \(x)")
        }
    }

    /// Ops that pass codes through unchanged keep their input's quantization.
    func sameQuant() throws {
        guard layer.output == inQuant[0] else {
            throw fail(
                "scale",
                "op '\(layer.op.name)' keeps its input's quantization (bits, signed, scale, zero_point must equal those of '\(layer.inputs[0])')"
            )
        }
    }

    /// Output height and width of a kernel `k` / stride `s` / padding `p` window over `x`; errors
    /// name `field`.
    func window(_ k: [Int], _ s: [Int], _ p: [Int], field: String) throws -> [Int] {
        let limit = IntegerModel.maximumExtent
        guard k.count == 2, s.count == 2, p.count == 2, k.allSatisfy({ (1...limit).contains($0) }),
            s.allSatisfy({ (1...limit).contains($0) }), p.allSatisfy({ (0...limit).contains($0) })
        else {
            throw fail(
                field,
                "kernel/stride/padding must be pairs, kernel and stride positive, padding non-negative, each at most \(limit)"
            )
        }
        let oh = (x[1] + 2 * p[0] - k[0]) / s[0] + 1, ow = (x[2] + 2 * p[1] - k[1]) / s[1] + 1
        guard x[1] + 2 * p[0] >= k[0], x[2] + 2 * p[1] >= k[1], oh > 0, ow > 0 else {
            throw fail(field, "window \(k) does not fit the padded input \(x)")
        }
        return [oh, ow]
    }
}
