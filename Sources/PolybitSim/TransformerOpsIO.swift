import PolybitHDF5

/// The `op` strings of the transformer ops, read by `FieldReader.transformerOp`.
let transformerOpNames: Set<String> = [
    "softmax", "gelu", "layernorm", "matmul", "tokens", "token_embed", "split_heads", "merge_heads", "select_token",
]

extension IntegerModel {
    /// Writes the fields of a transformer op (docs/integer-model.md, "Per-op fields").
    static func writeTransformerOp(_ op: LayerOp, to g: HDF5Group) throws {
        switch op {
        case .softmax(let m):
            try writeMultiplier(m, to: g)
        case .gelu(let m, let r):
            try writeMultiplier(m, to: g)
            try writeRequant(r, to: g)
        case .layernorm(let p):
            try g.write("gamma", p.gamma.map { Int16($0) }, shape: [p.gamma.count], options: .contiguous)
            try g.setAttribute("gamma_scale", .double(p.gammaScale))
            try g.write("beta", p.beta, shape: [p.beta.count], options: .contiguous)
            try g.setAttribute("epsilon", .double(p.epsilon))
            try writeRequant(p.requant, to: g)
        case .matmul(let p):
            try g.setAttribute("transpose_b", .int(p.transposeB ? 1 : 0))
            try writeRequant(p.requant, to: g)
        case .tokenEmbed(let e):
            let q = e.constantQuantization
            if q.bits <= 8 {
                try g.write("constant", e.constant.map { Int8($0) }, shape: e.constantShape)
            } else {
                try g.write("constant", e.constant.map { Int16($0) }, shape: e.constantShape)
            }
            try g.setAttribute("constant_bits", .int(q.bits))
            try g.setAttribute("constant_scale", .double(q.scale))
            try writeAddRescale(e.rescale, to: g)
        case .splitHeads(let s):
            try g.setAttribute("offset", .int(s.offset))
            try g.setAttribute("heads", .int(s.heads))
            try g.setAttribute("head_dim", .int(s.headDim))
        case .selectToken(let index):
            try g.setAttribute("index", .int(index))
        default:
            break
        }
    }

    static func writeMultiplier(_ m: QuantizedMultiplier, to g: HDF5Group) throws {
        try g.setAttribute("input_multiplier", .int(Int(m.multiplier)))
        try g.setAttribute("input_shift", .int(Int(m.shift)))
    }
}

extension FieldReader {
    /// The op named `name` (one of `transformerOpNames`) with its fields.
    func transformerOp(_ name: String) throws -> LayerOp {
        switch name {
        case "softmax": return .softmax(try multiplier())
        case "gelu": return .gelu(try multiplier(), try requant())
        case "layernorm":
            return .layernorm(
                LayerNormParameters(
                    gamma: try dataset("gamma", as: Int32.self, allowed: [.int8, .int16], rank: 1).values,
                    gammaScale: try double("gamma_scale"),
                    beta: try dataset("beta", as: Int32.self, allowed: [.int8, .int16, .int32], rank: 1).values,
                    epsilon: try double("epsilon"), requant: try requant()))
        case "matmul": return .matmul(MatmulParameters(transposeB: try bool("transpose_b"), requant: try requant()))
        case "tokens": return .tokens
        case "token_embed":
            let c = try dataset("constant", as: Int32.self, allowed: [.int8, .int16], rank: 2)
            return .tokenEmbed(
                TokenEmbedding(
                    constant: c.values, constantShape: c.shape,
                    constantQuantization: Quantization(
                        bits: try int("constant_bits"), signed: true, scale: try double("constant_scale"), zeroPoint: 0),
                    rescale: try addRescale()))
        case "split_heads":
            return .splitHeads(
                HeadSplit(offset: try int("offset"), heads: try int("heads"), headDim: try int("head_dim")))
        case "merge_heads": return .mergeHeads
        case "select_token": return .selectToken(try int("index"))
        default: preconditionFailure("transformerOp called for op '\(name)'")
        }
    }

    /// `input_multiplier` and `input_shift` as a Q31 pair (values must fit int32).
    func multiplier() throws -> QuantizedMultiplier {
        let m = try int("input_multiplier"), s = try int("input_shift")
        guard let m32 = Int32(exactly: m), let s32 = Int32(exactly: s) else {
            throw fail("input_multiplier", "multiplier and shift must fit int32")
        }
        return QuantizedMultiplier(multiplier: m32, shift: s32)
    }
}
