import PolybitSim

extension ONNXGraphBuilder {
    /// Emits the nodes of one layer (docs/onnx.md lists the mapping operator by operator).
    mutating func emit(_ site: LayerSite) throws {
        let out = site.output
        switch site.layer.op {
        case .conv(let w):
            _ = try weighted(site, w, geometry: ConvGeometry(w))
        case .linear(let w):
            let i = w.weightShape[1]
            let shape = int64(site.local("shape4"), [-1, Int64(i), 1, 1], dims: [4])
            let x4 = node("Reshape", [site.x, shape], site.local("x4"))
            let y4 = try weighted(site, w, geometry: .pointwise, input: x4, output: site.local("y4"))
            node("Flatten", [y4], site.outputName, ["axis": .int(1)])
        case .add:
            addLayer(site)
        case .relu:
            clip(site.x, lo: out.zeroPoint, hi: out.codeMax, site)
        case .clamp(let lo, let hi):
            clip(site.x, lo: Int32(lo - out.offset), hi: Int32(hi - out.offset), site)
        case .maxpool(let p):
            try site.inputContainers[0].requireNarrow(
                file: site.file, layer: site.layer.name, field: "inputs", reader: "MaxPool (int8/uint8)")
            node(
                "MaxPool", [site.x], site.outputName,
                ["kernel_shape": .ints(p.kernel), "strides": .ints(p.stride), "pads": .ints(p.padding + p.padding)])
        case .avgpool(let p, let r):
            try averagePool(site, ConvGeometry(kernel: p.kernel, stride: p.stride, padding: p.padding), r)
        case .globalAvgpool(let r):
            let hw = Array(site.inputShape.suffix(2))
            try averagePool(site, ConvGeometry(kernel: hw, stride: [1, 1], padding: [0, 0]), r, global: true)
        case .flatten:
            node("Flatten", [site.x], site.outputName, ["axis": .int(1)])
        case .matmul, .tokens, .splitHeads, .mergeHeads, .selectToken:
            try emitAttention(site)
        case .softmax, .gelu, .layernorm, .tokenEmbed:
            throw IntegerModelError(
                file: site.file, layer: site.layer.name, field: "op",
                message:
                    "the ONNX exporter does not map op '\(site.layer.op.name)': ONNX has no operator for I-BERT's integer "
                    + "softmax, GELU and LayerNorm (nor the token embedding yet); simulate runs them")
        }
    }

    private mutating func clip(_ x: String, lo: Int32, hi: Int32, _ site: LayerSite) {
        let l = code(site.local("min"), lo, site.output)
        let h = code(site.local("max"), hi, site.output)
        node("Clip", [x, l, h], site.outputName)
    }

    /// onnxruntime's float32 residual add: DequantizeLinear both inputs, Add, QuantizeLinear (for a
    /// wide output: Div by the output scale, then `requantize`).
    private mutating func addLayer(_ site: LayerSite) {
        var real: [String] = []
        for (k, (name, c)) in zip(site.inputs, site.inputContainers).enumerated() {
            let s = float(site.local("s\(k)"), [Float(c.quantization.scale)], dims: [])
            let z = code(site.local("z\(k)"), c.zeroPoint, c)
            real.append(node("DequantizeLinear", [name, s, z], site.local("real\(k)")))
        }
        let sum = node("Add", real, site.local("sum"))
        let s = float(site.local("sy"), [Float(site.output.quantization.scale)], dims: [])
        if site.output.wide {
            let v = node("Div", [sum, s], site.local("ratio"))
            _ = requantize(v, site.output, prefix: site.layer.name, output: site.outputName)
            return
        }
        let q = node(
            "QuantizeLinear", [sum, s, int8(site.local("zy"), [site.output.zeroPoint], dims: [])], site.local("q"))
        _ = clipToRange(q, site.output, output: site.outputName)
    }

    /// Average pools: the window sum `S` of `x − zp` (zero point padding), times the layer's float32
    /// requantization scale, rounded half to even. 8-bit in and out: a depthwise QLinearConv with
    /// unit weights. Otherwise `S` comes from a depthwise ConvInteger (8-bit input) or, for a wide
    /// input, from `x − zp` (1×1 window) or ReduceSum (global pool), then `requantize`.
    private mutating func averagePool(
        _ site: LayerSite, _ g: ConvGeometry, _ r: Requantization, global: Bool = false
    ) throws {
        let c = site.inputShape[0], taps = g.kernel.reduce(1, *)
        let input = site.inputContainers[0]
        if !input.wide && !site.output.wide {
            let w = int8(site.local("w"), Array(repeating: 1, count: c * taps), dims: [c, 1] + g.kernel)
            let y = qlinearConv(
                site, input: site.x, weights: w, scales: Array(repeating: r.scale[0], count: c),
                bias: nil, geometry: g, group: c, output: site.local("q"))
            _ = clipToRange(y, site.output, output: site.outputName)
            return
        }
        let sum: String
        if !input.wide {
            let w = int8(site.local("w"), Array(repeating: 1, count: c * taps), dims: [c, 1] + g.kernel)
            let xz = int8(site.local("xz"), [input.zeroPoint], dims: [])
            var attributes = g.attributes
            attributes["group"] = .int(c)
            sum = node("ConvInteger", [site.x, w, xz], site.local("window_sum"), attributes)
        } else {
            let unit = taps == 1 && g.stride == [1, 1] && g.padding == [0, 0]
            guard global || unit else {
                throw IntegerModelError(
                    file: site.file, layer: site.layer.name, field: "kernel",
                    message:
                        "a \(g.kernel) average pool over a \(input.quantization.bits)-bit tensor has no exact ONNX form "
                        + "(ConvInteger takes 8-bit inputs; wide tensors can feed 1x1 and global pools only)")
            }
            let x64 = node(
                "Cast", [site.x], site.local("x64"), ["to": .int(Int(Onnx_TensorProto.DataType.int64.rawValue))])
            let centered = node(
                "Sub", [x64, int64(site.local("xz"), [Int64(input.zeroPoint)], dims: [])], site.local("centered"))
            sum =
                global
                ? node(
                    "ReduceSum", [centered, int64(site.local("axes"), [2, 3], dims: [2])], site.local("window_sum"),
                    ["keepdims": .int(1)])
                : centered
        }
        let real = node(
            "Cast", [sum], site.local("sum_float"), ["to": .int(Int(Onnx_TensorProto.DataType.float.rawValue))])
        let v = node("Mul", [real, float(site.local("scale"), [r.scale[0]], dims: [])], site.local("scaled"))
        _ = requantize(v, site.output, prefix: site.layer.name, output: site.outputName)
    }

    /// QLinearConv with `x_scale = y_scale = 1` and `w_scale` the requantization scales, so that
    /// onnxruntime's float32 multiplier `x_scale · w_scale / y_scale` is exactly Polybit's.
    mutating func qlinearConv(
        _ site: LayerSite, input: String, weights: String, scales: [Float], bias: [Int32]?,
        geometry g: ConvGeometry, group: Int, output: String
    ) -> String {
        let one = float(site.local("unit"), [1], dims: [])
        let xz = int8(site.local("xz"), [site.inputContainers[0].zeroPoint], dims: [])
        let ws = float(site.local("ws"), scales, dims: [scales.count])
        let wz = int8(site.local("wz"), Array(repeating: 0, count: scales.count), dims: [scales.count])
        let yz = int8(site.local("yz"), [site.output.zeroPoint], dims: [])
        var inputs = [input, one, xz, weights, ws, wz, one, yz]
        if let bias { inputs.append(int32(site.local("b"), bias, dims: [bias.count])) }
        var attributes = g.attributes
        attributes["group"] = .int(group)
        return node("QLinearConv", inputs, output, attributes)
    }
}
