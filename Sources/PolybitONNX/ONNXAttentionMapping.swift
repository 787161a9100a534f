import PolybitSim

/// The attention ops of a ViT's integer model in ONNX: the token and head reshapes as
/// Reshape/Transpose/Slice/Gather (copies, any container), `matmul` as MatMulInteger on 8-bit
/// operands plus the simulator's onnx-mode requantization. Token tensors are `[N, T, D]`, heads
/// `[N, H, T, d]` (N the batch).
extension ONNXGraphBuilder {
    /// Emits `tokens`, `split_heads`, `merge_heads`, `select_token` or `matmul`.
    /// - Throws: `IntegerModelError` for a matmul operand of more than 8 bits, or another op.
    mutating func emitAttention(_ site: LayerSite) throws {
        let s = site.inputShape
        switch site.layer.op {
        case .tokens:  // [N, D, h, w] → [N, h·w, D]
            let flat = node(
                "Reshape", [site.x, int64(site.local("shape"), [0, Int64(s[0]), -1], dims: [3])], site.local("flat"))
            node("Transpose", [flat], site.outputName, ["perm": .ints([0, 2, 1])])
        case .splitHeads(let h):  // [N, T, X] columns offset..<offset + H·d → [N, H, T, d]
            let columns = node(
                "Slice",
                [
                    site.x, int64(site.local("starts"), [Int64(h.offset)], dims: [1]),
                    int64(site.local("ends"), [Int64(h.offset + h.heads * h.headDim)], dims: [1]),
                    int64(site.local("axes"), [2], dims: [1]),
                ], site.local("columns"))
            let shape = int64(site.local("shape"), [0, Int64(s[0]), Int64(h.heads), Int64(h.headDim)], dims: [4])
            let split = node("Reshape", [columns, shape], site.local("split"))
            node("Transpose", [split], site.outputName, ["perm": .ints([0, 2, 1, 3])])
        case .mergeHeads:  // [N, H, T, d] → [N, T, H·d]
            let tokens = node("Transpose", [site.x], site.local("tokens"), ["perm": .ints([0, 2, 1, 3])])
            let shape = int64(site.local("shape"), [0, Int64(s[1]), Int64(s[0] * s[2])], dims: [3])
            node("Reshape", [tokens, shape], site.outputName)
        case .selectToken(let index):  // [N, T, D] → [N, D]
            node(
                "Gather", [site.x, int64(site.local("index"), [Int64(index)], dims: [])], site.outputName,
                ["axis": .int(1)])
        case .matmul(let p):
            try matmul(site, p)
        default:
            throw IntegerModelError(
                file: site.file, layer: site.layer.name, field: "op",
                message: "op '\(site.layer.op.name)' is not an attention reshape or matmul")
        }
    }

    /// `acc = MatMulInteger(a, b, zp_a, zp_b)` (b transposed first for `transpose_b`), exact in
    /// int32 (K ≤ 2^14 and 8-bit operands keep `|acc| < 2^31`), then `Cast(acc, float) · scale` and
    /// `requantize`: the simulator's onnx mode, `float32(acc) · float32(scale)` rounded half to even.
    private mutating func matmul(_ site: LayerSite, _ p: MatmulParameters) throws {
        for (k, container) in site.inputContainers.enumerated() {
            try container.requireNarrow(
                file: site.file, layer: site.layer.name, field: "inputs[\(k)]", reader: "MatMulInteger (int8)")
        }
        let b =
            p.transposeB
            ? node("Transpose", [site.inputs[1]], site.local("b_t"), ["perm": .ints([0, 1, 3, 2])]) : site.inputs[1]
        let za = int8(site.local("za"), [site.inputContainers[0].zeroPoint], dims: [])
        let zb = int8(site.local("zb"), [site.inputContainers[1].zeroPoint], dims: [])
        let acc = node("MatMulInteger", [site.inputs[0], b, za, zb], site.local("acc"))
        let real = node(
            "Cast", [acc], site.local("acc_float"), ["to": .int(Int(Onnx_TensorProto.DataType.float.rawValue))])
        let v = node("Mul", [real, float(site.local("scale"), [p.requant.scale[0]], dims: [])], site.local("scaled"))
        _ = requantize(v, site.output, prefix: site.layer.name, output: site.outputName)
    }
}
