import PolybitSim

extension ONNXGraphBuilder {
    /// Emits the QONNX nodes of one layer over centered codes `q − zp` in float32 (docs/onnx.md,
    /// "QONNX", lists the mapping); returns the name of the layer's centered output.
    mutating func emitQONNX(_ site: LayerSite) throws -> String {
        let inQ = site.inputContainers[0].quantization, outQ = site.output.quantization
        switch site.layer.op {
        case .conv(let w):
            return weightedQONNX(site, w, input: site.x, geometry: ConvGeometry(w))
        case .linear(let w):
            let flat = node("Flatten", [site.x], site.local("flat"), ["axis": .int(1)])
            return weightedQONNX(site, w, input: flat, geometry: nil)
        case .add:
            var real: [String] = []
            for (k, (name, c)) in zip(site.inputs, site.inputContainers).enumerated() {
                let s = float(site.local("s\(k)"), [Float(c.quantization.scale)], dims: [])
                real.append(node("Mul", [name, s], site.local("real\(k)")))
            }
            let sum = node("Add", real, site.local("sum"))
            let v = node("Div", [sum, float(site.local("sy"), [Float(outQ.scale)], dims: [])], site.local("ratio"))
            return quantize(v, outQ, site)
        case .relu:
            return clipCodes(site, lo: outQ.zeroPoint, hi: outQ.qmax)
        case .clamp(let lo, let hi):
            return clipCodes(site, lo: lo, hi: hi)
        case .maxpool(let p):
            let y = node(
                "MaxPool", [site.x], site.local("max"),
                ["kernel_shape": .ints(p.kernel), "strides": .ints(p.stride), "pads": .ints(p.padding + p.padding)])
            return recentered(y, from: inQ, to: outQ, site)
        case .avgpool(let p, let r):
            let c = site.inputShape[0], taps = p.kernel.reduce(1, *)
            let ones = float(site.local("ones"), Array(repeating: 1, count: c * taps), dims: [c, 1] + p.kernel)
            var attributes = ConvGeometry(kernel: p.kernel, stride: p.stride, padding: p.padding).attributes
            attributes["group"] = .int(c)
            let sum = node("Conv", [site.x, ones], site.local("window_sum"), attributes)
            return quantize(
                node("Mul", [sum, float(site.local("scale"), [r.scale[0]], dims: [])], site.local("v")), outQ, site)
        case .globalAvgpool(let r):
            let sum = globalSum(site, maxInput: Double(inQ.maxCentered))
            return quantize(
                node("Mul", [sum, float(site.local("scale"), [r.scale[0]], dims: [])], site.local("v")), outQ, site)
        case .flatten:
            return recentered(
                node("Flatten", [site.x], site.local("flat"), ["axis": .int(1)]), from: inQ, to: outQ, site)
        case .softmax, .gelu, .layernorm, .matmul, .tokens, .tokenEmbed, .splitHeads, .mergeHeads, .selectToken:
            throw IntegerModelError(
                file: site.file, layer: site.layer.name, field: "op",
                message: "the QONNX exporter does not map op '\(site.layer.op.name)' (transformer ops) yet")
        }
    }

    /// Conv (`geometry` non-nil) or linear (MatMul by the transposed weights) over centered codes,
    /// then `Mul` by `scale_c · 2^−F` and `quantize`. Weights pass a `Quant` node declaring their
    /// width. The integer sum `Σ x·w` is exact in float32 (below 2^24); a bias-corrected layer forms
    /// `T = 2^F · (Σ x·w + bias) + Z_c · S + R_c` (window sum `S`) in float64, exact below 2^53, and
    /// casts it to float32 once, rounding to nearest even as the simulator's `Float(T)` does.
    private mutating func weightedQONNX(
        _ site: LayerSite, _ w: WeightedLayer, input x: String, geometry: ConvGeometry?
    ) -> String {
        let o = w.outChannels, k = w.patchSize, f = w.zcFractionBits
        let perChannel = geometry == nil ? [o] : [o, 1, 1]
        let values =
            geometry == nil
            ? (0..<k).flatMap { i in (0..<o).map { Float(w.weights[$0 * k + i]) } } : w.weights.map(Float.init)
        let raw = float(site.local("w"), values, dims: geometry == nil ? [k, o] : w.weightShape)
        let weights = quant(
            raw, Quantization(bits: w.weightBits, signed: w.weightSigned, scale: 1, zeroPoint: 0), zeroPoint: 0,
            prefix: site.local("wq"), output: site.local("wq"))
        var t =
            geometry.map { node("Conv", [x, weights], site.local("acc"), $0.attributes) }
            ?? node("MatMul", [x, weights], site.local("acc"))
        if w.zc == nil && w.biasFraction == nil && f == 0 {
            t = node("Add", [t, float(site.local("b"), w.bias.map(Float.init), dims: perChannel)], site.local("t"))
        } else {
            t = biasCorrectedTotal(site, w, accumulator: t, input: x, geometry: geometry)
        }
        let unit = Float(sign: .plus, exponent: -f, significand: 1)
        let scales = (w.requant.count == 1 ? Array(repeating: w.requant.scale[0], count: o) : w.requant.scale)
            .map { $0 * unit }
        let v = node("Mul", [t, float(site.local("scale"), scales, dims: perChannel)], site.local("v"))
        return quantize(v, site.output.quantization, site)
    }

    /// `Float(T)` for `T = 2^F · (acc + bias) + Z_c · S + R_c`, the sums in float64.
    private mutating func biasCorrectedTotal(
        _ site: LayerSite, _ w: WeightedLayer, accumulator acc: String, input x: String, geometry: ConvGeometry?
    ) -> String {
        let o = w.outChannels, f = w.zcFractionBits
        let perChannel = geometry == nil ? [o] : [o, 1, 1]
        let toDouble = Attribute.int(Int(Onnx_TensorProto.DataType.double.rawValue))
        var t = node("Cast", [acc], site.local("acc64"), ["to": toDouble])
        t = node(
            "Add", [t, double(site.local("b"), w.bias.map(Double.init), dims: perChannel)], site.local("acc_bias"))
        if f > 0 {
            t = node("Mul", [t, double(site.local("pow2"), [Double(1 << f)], dims: [])], site.local("acc_shifted"))
        }
        if let zc = w.zc {
            let s: String
            if let geometry {
                let ones = float(
                    site.local("ones"), Array(repeating: 1, count: w.patchSize),
                    dims: [1, w.weightShape[1]] + geometry.kernel)
                s = node("Conv", [x, ones], site.local("window_sum"), geometry.attributes)
            } else {
                let axis = int64(site.local("axis"), [1], dims: [1])
                s = node("ReduceSum", [x, axis], site.local("window_sum"), ["keepdims": .int(1)])
            }
            let s64 = node("Cast", [s], site.local("window_sum64"), ["to": toDouble])
            let zs = node(
                "Mul", [s64, double(site.local("zc"), zc.map(Double.init), dims: perChannel)], site.local("zc_term"))
            t = node("Add", [t, zs], site.local("t_zc"))
        }
        if let r = w.biasFraction {
            t = node(
                "Add", [t, double(site.local("bias_fraction"), r.map(Double.init), dims: perChannel)], site.local("t64")
            )
        }
        return node("Cast", [t], site.local("t"), ["to": .int(Int(Onnx_TensorProto.DataType.float.rawValue))])
    }

    /// The plane sums `S` of a global pool as float32, `Float(S)` like the simulator's: ReduceSum in
    /// float32 while `H·W·m` (inputs of magnitude at most `m`) stays below 2^24, else in float64
    /// (exact below 2^53) and cast once.
    private mutating func globalSum(_ site: LayerSite, maxInput m: Double) -> String {
        let axes = int64(site.local("axes"), [2, 3], dims: [2])
        guard Double(site.inputShape.suffix(2).reduce(1, *)) * m >= QONNXExport.float32Limit else {
            return node("ReduceSum", [site.x, axes], site.local("window_sum"), ["keepdims": .int(1)])
        }
        let x64 = node(
            "Cast", [site.x], site.local("x64"), ["to": .int(Int(Onnx_TensorProto.DataType.double.rawValue))])
        let sum = node("ReduceSum", [x64, axes], site.local("window_sum64"), ["keepdims": .int(1)])
        return node(
            "Cast", [sum], site.local("window_sum"), ["to": .int(Int(Onnx_TensorProto.DataType.float.rawValue))])
    }

    /// Float `v` (the requantization product) to the centered codes of `q`: `Quant` with scale 1,
    /// zero point 0 and `ROUND` (clamp, then half to even) when `q`'s zero point is 0; otherwise a
    /// 32-bit `Quant` rounds and a second `Quant` with the zero point clamps the integers exactly.
    private mutating func quantize(_ v: String, _ q: Quantization, _ site: LayerSite) -> String {
        guard q.zeroPoint != 0 else {
            return quant(v, q, zeroPoint: 0, prefix: site.local("q"), output: site.outputName)
        }
        let wide = Quantization(bits: 32, signed: true, scale: 1, zeroPoint: 0)
        let rounded = quant(v, wide, zeroPoint: 0, prefix: site.local("round"), output: site.local("rounded"))
        return quant(rounded, q, zeroPoint: q.zeroPoint, prefix: site.local("q"), output: site.outputName)
    }

    /// A QONNX `Quant` node on `x`: scale 1, `zeroPoint`, `q`'s bit width and signedness, not narrow,
    /// rounding half to even; returns `output`.
    mutating func quant(_ x: String, _ q: Quantization, zeroPoint: Int, prefix: String, output: String) -> String {
        let scale = float(prefix + "/scale", [1], dims: [])
        let zero = float(prefix + "/zeropt", [Float(zeroPoint)], dims: [])
        let bits = float(prefix + "/bitwidth", [Float(q.bits)], dims: [])
        return node(
            "Quant", [x, scale, zero, bits], output,
            ["signed": .int(q.signed ? 1 : 0), "narrow": .int(0), "rounding_mode": .string("ROUND")],
            domain: QONNXExport.domain)
    }

    /// Relu and clamp on codes, `clamp(q, lo, hi)`, over centered codes of the output.
    private mutating func clipCodes(_ site: LayerSite, lo: Int, hi: Int) -> String {
        let inQ = site.inputContainers[0].quantization, zp = site.output.quantization.zeroPoint
        let x = recentered(site.x, from: inQ, to: site.output.quantization, site, output: site.local("shifted"))
        let l = float(site.local("min"), [Float(lo - zp)], dims: [])
        let h = float(site.local("max"), [Float(hi - zp)], dims: [])
        return node("Clip", [x, l, h], site.outputName)
    }

    /// Centered codes of `from` as centered codes of `to` (same codes, other zero point): `x` itself
    /// through an Identity named `output` when the zero points agree, else `Add` of their difference.
    private mutating func recentered(
        _ x: String, from: Quantization, to: Quantization, _ site: LayerSite, output: String? = nil
    ) -> String {
        let out = output ?? site.outputName
        guard from.zeroPoint != to.zeroPoint else { return node("Identity", [x], out) }
        let shift = float(site.local("recenter"), [Float(from.zeroPoint - to.zeroPoint)], dims: [])
        return node("Add", [x, shift], out)
    }
}
