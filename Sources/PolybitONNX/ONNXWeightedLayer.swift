import PolybitSim

extension ONNXGraphBuilder {
    /// A conv or linear layer (linear as a 1×1 conv on `[N, I, 1, 1]`) reading an 8-bit tensor:
    /// QLinearConv when it has an int32 bias only and an 8-bit output, else the exact integer form
    /// of `integerConv`. Returns the name of the output codes.
    mutating func weighted(
        _ site: LayerSite, _ w: WeightedLayer, geometry: ConvGeometry, input: String? = nil,
        output: String? = nil
    ) throws -> String {
        try Self.checkWeights(w, site)
        try site.inputContainers[0].requireNarrow(
            file: site.file, layer: site.layer.name, field: "inputs", reader: "QLinearConv/ConvInteger")
        let o = w.outChannels
        let dims = w.weightShape.count == 2 ? w.weightShape + [1, 1] : w.weightShape
        let weights = int8(site.local("w"), w.weights, dims: dims)
        let scales = w.requant.count == 1 ? Array(repeating: w.requant.scale[0], count: o) : w.requant.scale
        let x = input ?? site.x
        let outName = output ?? site.outputName
        guard w.zc != nil || w.biasFraction != nil || w.zcFractionBits > 0 || site.output.wide else {
            let y = qlinearConv(
                site, input: x, weights: weights, scales: scales, bias: w.bias, geometry: geometry,
                group: 1, output: site.local("q"))
            return clipToRange(y, site.output, output: outName)
        }
        let v = try integerConv(site, w, input: x, weights: weights, scales: scales, geometry: geometry)
        return requantize(v, site.output, prefix: site.layer.name, output: outName)
    }

    /// `T = 2^F · (ConvInteger(x, q) + bias) + Z_c · ConvInteger(x, 1) + R_c` in int64 (int32
    /// without bias correction), then `Cast(T, float) · (scale_c · 2^−F)`: the simulator's onnx
    /// requantization product step for step (the power of two is exact in float32). Returns `v`.
    private mutating func integerConv(
        _ site: LayerSite, _ w: WeightedLayer, input x: String, weights: String, scales: [Float],
        geometry g: ConvGeometry
    ) throws -> String {
        let o = w.outChannels, f = w.zcFractionBits
        let int64Type = ONNXGraphBuilder.Attribute.int(Int(Onnx_TensorProto.DataType.int64.rawValue))
        let xz = int8(site.local("xz"), [site.inputContainers[0].zeroPoint], dims: [])
        let acc = node("ConvInteger", [x, weights, xz], site.local("acc"), g.attributes)
        var t = node("Add", [acc, int32(site.local("b"), w.bias, dims: [o, 1, 1])], site.local("acc_bias"))
        if w.zc != nil || w.biasFraction != nil || f > 0 {
            t = node("Cast", [t], site.local("acc64"), ["to": int64Type])
        }
        if f > 0 {
            t = node("Mul", [t, int64(site.local("pow2"), [Int64(1) << f], dims: [])], site.local("acc_shifted"))
        }
        if let zc = w.zc {
            let c = w.weightShape[1], taps = g.kernel.reduce(1, *)
            let ones = int8(site.local("ones"), Array(repeating: 1, count: c * taps), dims: [1, c] + g.kernel)
            let s = node("ConvInteger", [x, ones, xz], site.local("window_sum"), g.attributes)
            let s64 = node("Cast", [s], site.local("window_sum64"), ["to": int64Type])
            let zs = node("Mul", [s64, int64(site.local("zc"), zc, dims: [o, 1, 1])], site.local("zc_term"))
            t = node("Add", [t, zs], site.local("t_zc"))
        }
        if let r = w.biasFraction {
            t = node("Add", [t, int64(site.local("bias_fraction"), r, dims: [o, 1, 1])], site.local("t"))
        }
        let real = node("Cast", [t], site.local("t_float"), ["to": .int(Int(Onnx_TensorProto.DataType.float.rawValue))])
        let unitF = Float(sign: .plus, exponent: -f, significand: 1)
        let scaled = scales.map { $0 * unitF }
        guard zip(scales, scaled).allSatisfy({ $0 == 0 || $1.isNormal }) else {
            throw IntegerModelError(
                file: site.file, layer: site.layer.name, field: "requant_scale",
                message: "requant_scale · 2^-\(f) is below float32's normal range; no exact ONNX form")
        }
        return node("Mul", [real, float(site.local("scale"), scaled, dims: [o, 1, 1])], site.local("scaled"))
    }

    /// Weights must fit int8: up to 8 bits signed, up to 7 bits unsigned.
    private static func checkWeights(_ w: WeightedLayer, _ site: LayerSite) throws {
        guard w.weightBits <= 8, w.weightSigned || w.weightBits <= 7 else {
            let kind = (w.weightSigned ? "signed" : "unsigned")
            throw IntegerModelError(
                file: site.file, layer: site.layer.name, field: "weight_bits",
                message:
                    "\(w.weightBits)-bit \(kind) weights do not fit ONNX's int8 weight tensors; "
                    + "export weights of at most 8 bits signed or 7 bits unsigned")
        }
    }
}
