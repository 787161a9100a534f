/// Checks of the transformer ops (docs/integer-model.md, "Per-op fields"): each returns the
/// layer's per-image output shape or throws `IntegerModelError` naming the field.
extension LayerCheck {
    func transformerShape() throws -> [Int] {
        switch layer.op {
        case .softmax(let m):
            try needRank(1...3)
            if checkingValues { try checkSoftmax(m) }
            return x
        case .gelu(let m, let r):
            if checkingValues {
                try checkNonzero(m, field: "input_multiplier")
                try IntegerModel.check(r, channels: 1, file: file, layer: name)
            }
            return x
        case .layernorm(let p):
            try needRank(1...3)
            try checkLayerNorm(p)
            return x
        case .matmul(let p):
            return try matmulShape(p)
        default:
            return try tokenShape()
        }
    }

    /// The reshapes, which keep their input's quantization, and the token embedding.
    func tokenShape() throws -> [Int] {
        switch layer.op {
        case .tokens:
            try needImage(); try sameQuant()
            return [x[1] * x[2], x[0]]
        case .tokenEmbed(let e):
            try needRank(2...2)
            let want = [x[0] + 1, x[1]]
            guard e.constantShape == want, e.constant.count == want[0] * want[1] else {
                throw fail(
                    "constant", "expected shape \(want), got \(e.constantShape) with \(e.constant.count) values")
            }
            if checkingValues { try checkEmbedding(e) }
            return want
        case .splitHeads(let s):
            try needRank(2...2); try sameQuant()
            guard s.offset >= 0, s.heads > 0, s.headDim > 0, s.offset + s.heads * s.headDim <= x[1] else {
                throw fail(
                    "heads",
                    "offset \(s.offset) + heads \(s.heads) × head_dim \(s.headDim) must fit the \(x[1]) columns of '\(layer.inputs[0])'"
                )
            }
            return [s.heads, x[0], s.headDim]
        case .mergeHeads:
            try needRank(3...3); try sameQuant()
            return [x[1], x[0] * x[2]]
        case .selectToken(let index):
            try needRank(2...2); try sameQuant()
            guard (0..<x[0]).contains(index) else {
                throw fail("index", "token \(index) is outside 0..<\(x[0]) of '\(layer.inputs[0])'")
            }
            return [x[1]]
        default:
            preconditionFailure("tokenShape called for op '\(layer.op.name)'")
        }
    }

    /// The first input has a rank in `ranks` (token tensors `[T, D]`, heads `[H, T, d]`).
    func needRank(_ ranks: ClosedRange<Int>) throws {
        guard ranks.contains(x.count) else {
            throw fail("inputs", "op '\(layer.op.name)' needs an input of rank \(ranks), '\(layer.inputs[0])' is \(x)")
        }
    }

    func checkNonzero(_ m: QuantizedMultiplier, field: String) throws {
        try IntegerModel.check(m, file: file, layer: name, field: field)
        guard m.multiplier != 0 else { throw fail(field, "multiplier is 0 (input scale too small)") }
    }

    /// A valid input multiplier and an output that is unsigned, zero point 0, scale `2^−bits`.
    func checkSoftmax(_ m: QuantizedMultiplier) throws {
        try checkNonzero(m, field: "input_multiplier")
        let q = layer.output
        guard (1...16).contains(q.bits) else { throw fail("bits", "softmax output needs 1...16 bits, got \(q.bits)") }
        guard !q.signed, q.zeroPoint == 0, q.scale == 1 / Double(1 << q.bits) else {
            throw fail(
                "scale",
                "softmax output must be unsigned with zero_point 0 and scale 2^-bits (\(1 / Double(1 << q.bits)))")
        }
    }

    func checkLayerNorm(_ p: LayerNormParameters) throws {
        let d = p.gamma.count
        guard d == x.last, d <= IntegerLayerNorm.maximumFeatures else {
            throw fail(
                "gamma",
                "expected \(x.last!) values (the last axis of '\(layer.inputs[0])', at most \(IntegerLayerNorm.maximumFeatures)), got \(d)"
            )
        }
        guard p.beta.count == d else { throw fail("beta", "expected \(d) values, got \(p.beta.count)") }
        guard checkingValues else { return }
        guard inQuant[0].bits <= 16 else {
            throw fail("inputs", "layernorm reads at most 16-bit inputs, '\(layer.inputs[0])' has \(inQuant[0].bits)")
        }
        guard p.gamma.allSatisfy({ Int32(Int16.min)...Int32(Int16.max) ~= $0 }) else {
            throw fail("gamma", "values must fit 16-bit signed integers")
        }
        guard p.epsilon >= 0, p.epsilon.isFinite else {
            throw fail("epsilon", "expected a finite ε ≥ 0, got \(p.epsilon)")
        }
        guard p.gammaScale > 0, p.gammaScale.isFinite else {
            throw fail("gamma_scale", "expected a positive finite scale, got \(p.gammaScale)")
        }
        try IntegerModel.check(p.requant, channels: d, file: file, layer: name)
    }

    /// `[H, M, K] · [H, K, N]` (or `[H, N, K]` transposed) with `K ≤ 2^14`; returns `[H, M, N]`.
    func matmulShape(_ p: MatmulParameters) throws -> [Int] {
        let a = inShapes[0], b = inShapes[1]
        guard a.count == 3, b.count == 3, a[0] == b[0] else {
            throw fail("inputs", "matmul needs [H, M, K] and [H, K, N] inputs with equal H, got \(a) and \(b)")
        }
        let k = p.transposeB ? b[2] : b[1], n = p.transposeB ? b[1] : b[2]
        guard a[2] == k, k <= ActivationMatmul.maximumReduction else {
            throw fail(
                "transpose_b",
                "'\(layer.inputs[0])' \(a) and '\(layer.inputs[1])' \(b) do not share K (at most \(ActivationMatmul.maximumReduction))"
            )
        }
        if checkingValues { try IntegerModel.check(p.requant, channels: 1, file: file, layer: name) }
        return [a[0], a[1], n]
    }

    /// A signed, zero-point-0 constant within its bits and valid add multipliers.
    func checkEmbedding(_ e: TokenEmbedding) throws {
        let q = e.constantQuantization
        try IntegerModel.check(q, file: file, layer: name, prefix: "constant_")
        guard q.signed, q.zeroPoint == 0, q.bits <= 16 else {
            throw fail("constant_bits", "the constant is signed, at most 16 bits, with zero point 0")
        }
        if let bad = e.constant.first(where: { Int($0) < q.qmin || Int($0) > q.qmax }) {
            throw fail("constant", "value \(bad) is outside [\(q.qmin), \(q.qmax)] for \(q.bits) bits")
        }
        for (i, m) in e.rescale.inputs.enumerated() {
            try IntegerModel.check(m, file: file, layer: name, field: "input_multipliers[\(i)]")
        }
        try IntegerModel.check(e.rescale.output, file: file, layer: name, field: "output_multiplier")
        guard (0...30).contains(e.rescale.leftShift) else {
            throw fail("left_shift", "expected 0...30, got \(e.rescale.leftShift)")
        }
    }
}
