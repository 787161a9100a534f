extension IntegerSimulator {
    /// Runs one transformer op (softmax, GELU, LayerNorm, matmul, token and head reshapes) on `n`
    /// images: `x` is the first input, `tensors` every live tensor by id, `y` the output.
    func transformer(
        _ layer: IntegerLayer, li: Int, x: UnsafePointer<Int32>, n: Int, tensors: [[Int32]?], scratch: Scratch,
        into y: UnsafeMutablePointer<Int32>
    ) {
        let shape = inputShapes[li][0], qx = quant[sources[li][0]], mode = config.requant
        let last = shape.last!, rows = n * shape.reduce(1, *) / last
        if config.specialFunctions == .unit, unit(layer, x: x, qx, rows: rows, last: last, scratch: scratch, into: y) {
            return
        }
        switch layer.op {
        case .softmax(let m):
            IntegerSoftmax.run(
                x, rows: rows, length: last, multiplier: m, bits: layer.output.bits, into: y,
                scratch: scratch.buffer(8, last, as: Int64.self))
        case .gelu(let m, let r):
            IntegerGELU.run(
                x, count: rows * last, input: qx, multiplier: m, requant: r, output: layer.output, mode: mode, into: y)
        case .layernorm(let p):
            IntegerLayerNorm.run(
                x, rows: rows, input: qx, parameters: p, output: layer.output, mode: mode, into: y,
                scratch: scratch.buffer(8, last, as: Int64.self))
        case .matmul(let p):
            let b = inputShapes[li][1], out = outputShapes[li]
            let (h, m, k, cols) = (shape[0], shape[1], shape[2], out[2])
            tensors[sources[li][1]]!.withUnsafeBufferPointer { bb in
                for image in 0..<n {
                    ActivationMatmul.run(
                        x + image * h * m * k, qx, bb.baseAddress! + image * b.reduce(1, *), quant[sources[li][1]],
                        heads: h, m: m, k: k, n: cols, transposeB: p.transposeB, requant: p.requant,
                        output: layer.output, mode: mode, into: y + image * h * m * cols)
                }
            }
        case .tokens:
            TokenKernels.tokens(x, n: n, channels: shape[0], pixels: shape[1] * shape[2], into: y)
        case .tokenEmbed(let e):
            TokenKernels.tokenEmbed(
                x, qx, n: n, tokens: shape[0], dim: shape[1], embedding: e, output: layer.output, mode: mode,
                into: y, scratch: scratch)
        case .splitHeads(let s):
            TokenKernels.splitHeads(x, n: n, tokens: shape[0], width: shape[1], split: s, into: y)
        case .mergeHeads:
            TokenKernels.mergeHeads(x, n: n, heads: shape[0], tokens: shape[1], headDim: shape[2], into: y)
        case .selectToken(let index):
            TokenKernels.selectToken(x, n: n, tokens: shape[0], dim: shape[1], index: index, into: y)
        default:
            preconditionFailure("IntegerSimulator.transformer called for op '\(layer.op.name)'")
        }
    }

    /// Runs softmax, GELU or LayerNorm on the special-function unit; false for other ops.
    private func unit(
        _ layer: IntegerLayer, x: UnsafePointer<Int32>, _ qx: Quantization, rows: Int, last: Int, scratch: Scratch,
        into y: UnsafeMutablePointer<Int32>
    ) -> Bool {
        switch layer.op {
        case .softmax:
            SpecialFunctionUnit.softmax(
                x, rows: rows, length: last, input: qx, bits: layer.output.bits, into: y,
                scratch: scratch.buffer(9, last, as: Float.self))
        case .gelu:
            SpecialFunctionUnit.gelu(x, count: rows * last, input: qx, output: layer.output, into: y)
        case .layernorm(let p):
            SpecialFunctionUnit.layerNorm(
                x, rows: rows, input: qx, parameters: p, output: layer.output, mode: config.requant, into: y,
                scratch: scratch.buffer(8, last, as: Int64.self))
        default:
            return false
        }
        return true
    }
}
