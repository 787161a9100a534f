import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor

/// How the exporter represents what training kept in float.
public struct ExportOptions: Sendable, Equatable {
    /// Bits of the residual stream and the pre-add sums (training kept them in float).
    public var residualBits = 24
    /// Fraction bits F of the bias-correction constants `Z_c`.
    public var fractionBits = 24
    /// Headroom over the calibrated maximum of each calibrated tensor.
    public var headroom = 1.05
    /// Keep the bias below one accumulator unit (`bias_fraction`, F fraction bits). At low bits one
    /// unit (`s_x·s_w`) is several percent of an output step, so an integer-only bias (the
    /// TFLite/ONNX convention, false here) moves whole channels across rounding boundaries.
    public var biasFraction = true
    /// Bits of a ViT's attention operands (Q, K, V and the attention probabilities, which training
    /// kept in float), `ViTIntegerPlan.attentionBitsRange`; a ResNet has none.
    public var attentionBits = ViTIntegerPlan.defaultAttentionBits
    public init() {}
}

/// What an export did beyond the arithmetic: calibrated ranges and sign flips.
public struct ExportReport: Sendable, Codable, Equatable {
    /// Maximum |value| seen per calibrated tensor.
    public var calibrated_max: [String: Double]
    /// Output channels whose folded BatchNorm scale is negative (weights negated, multiplier positive).
    public var flipped_channels: Int
    /// Weights at −2^(b−1) that negation had to clamp to −(2^(b−1) − 1).
    public var clamped_weights: Int
}

/// Exports a quantized ResNet at its current per-layer precisions as a bit-accurate integer model:
/// the network's `ResNetIntegerPlan` filled with its numbers.
///
/// - Input: 8-bit unsigned covering the normalized pixel range (training fed the stem float pixels).
/// - Every tensor a quantizer produced in training is stored on that quantizer's grid at its
///   bit-width (step = the learned step), so ReLU is the clamp of an unsigned output; BatchNorm
///   (evaluation statistics) is folded into the int32 bias and the requantization multiplier;
///   weight bias correction `A_c·s·q + B_c` is kept exact through `Z_c = round(2^F·B_c / (A_c·s))`.
/// - Tensors training kept in float (the logits; with `ResidualPath.float` also the residual
///   stream and the pre-add sums) are `residualBits` integers with scales calibrated on
///   `calibration` images (max |value| × headroom).
public enum ResNetExporter {
    /// Weight and activation bit-widths a quantized layer can be exported at (the widths
    /// multi-bit training trains and derives steps for).
    public static let supportedBits = BitWidthSet.quantizedRange

    public static func export(
        _ net: QuantizedNetwork, normalization: ChannelNormalization,
        calibration: Dataset, options: ExportOptions = ExportOptions()
    ) throws
        -> (IntegerModel, ExportReport)
    {
        let plan = try self.plan(
            of: net, inputShape: [calibration.channels, calibration.height, calibration.width],
            floatBits: options.residualBits)
        let resnet = net.model as! ResNet
        var values = NetworkValues(
            net: net, maxima: calibrate(resnet, on: calibration), normalization: normalization, options: options)
        let model = try plan.integerModel(values: &values, normalization: normalization)
        try model.validate(file: "exported model")
        return (model, values.report)
    }

    /// The integer plan of `net` at its current per-layer precisions, on images shaped `inputShape`.
    /// - Throws: `InputError` for a network that is not a ResNet or runs some layer in float.
    public static func plan(
        of net: QuantizedNetwork, inputShape: [Int], floatBits: Int = ExportOptions().residualBits
    ) throws -> ResNetIntegerPlan {
        guard let resnet = net.model as? ResNet else {
            throw InputError("export supports ResNet models; \(net.model.architecture) is not one")
        }
        for l in net.layers where l.weights.bits == nil || (l.input != nil && l.input!.bits == nil) {
            throw InputError(
                "layer \(l.name) runs in float at this precision; an integer model needs every layer quantized")
        }
        let byName = Dictionary(uniqueKeysWithValues: net.layers.map { ($0.name, $0) })
        return try ResNetIntegerPlan(
            topology: resnet.topology, inputShape: inputShape, residual: net.residual, floatBits: floatBits
        ) { name in
            let l = byName[name]!
            return Precision(weightBits: l.weights.bits, activationBits: l.input?.bits)
        }
    }

    /// The model input: uint8 over the normalized range of pixels in [0, 1] (zero included).
    static func inputQuantization(_ normalization: ChannelNormalization) -> Quantization {
        let lo = zip(normalization.mean, normalization.std).map { Double((0 - $0) / $1) }.min()!
        let hi = zip(normalization.mean, normalization.std).map { Double((1 - $0) / $1) }.max()!
        let scale = (hi - min(lo, 0)) / 255
        return Quantization(bits: 8, signed: false, scale: scale, zeroPoint: Int((-min(lo, 0) / scale).rounded()))
    }

    /// A trained network's numbers for its plan: quantizer grids, calibrated grids, folded layers.
    struct NetworkValues: ResNetPlanValues {
        let byName: [String: QuantizedLayer]
        let quantizers: [String: ActivationQuantizer]
        /// Calibrated max |value| per float-kept tensor (see `calibrate`).
        let maxima: [String: Double]
        let normalization: ChannelNormalization
        let options: ExportOptions
        var report = ExportReport(calibrated_max: [:], flipped_channels: 0, clamped_weights: 0)

        init(
            net: QuantizedNetwork, maxima: [String: Double], normalization: ChannelNormalization, options: ExportOptions
        ) {
            byName = Dictionary(uniqueKeysWithValues: net.layers.map { ($0.name, $0) })
            quantizers = Dictionary(uniqueKeysWithValues: net.activationQuantizers.map { ($0.name, $0) })
            self.maxima = maxima; self.normalization = normalization; self.options = options
            report.calibrated_max = maxima
        }

        func quantization(of t: ResNetIntegerPlan.Tensor) throws -> Quantization {
            switch t.scale {
            case .input:
                return ResNetExporter.inputQuantization(normalization)
            case .calibrated(let key):
                let qmax = Double(t.signed ? (1 << (t.bits - 1)) - 1 : (1 << t.bits) - 1)
                return Quantization(
                    bits: t.bits, signed: t.signed, scale: max(maxima[key] ?? 1, 1e-6) * options.headroom / qmax,
                    zeroPoint: 0)
            case .quantizer(let name):
                guard let q = quantizers[name] else {
                    throw InputError("the network has no quantized activation \(name), which its integer model needs")
                }
                return try q.trainedGrid(storedBits: t.bits, signed: t.signed)
            }
        }

        mutating func weightedLayer(
            _ name: String, geometry: ResNetIntegerPlan.Weighted, input: Quantization, output: Quantization
        ) throws -> WeightedLayer {
            try ResNetExporter.weightedLayer(
                byName[name]!, input: input, output: output, options: options, report: &report)
        }
    }

    /// Max |value| of the stem output, each block's pre-add, shortcut and output, and the logits,
    /// over `data` in evaluation mode at the network's current precision.
    static func calibrate(_ net: ResNet, on data: Dataset) -> [String: Double] {
        var maxima: [String: Double] = [:]
        func observe(_ key: String) -> (String, Tensor) -> Void {
            { name, t in
                let k = key.isEmpty ? name : key + "." + name
                maxima[k] = max(maxima[k] ?? 0, Double(t.storage.reduce(0) { max($0, abs($1)) }))
            }
        }
        net.observer = observe("")
        for (i, b) in net.blocks.enumerated() { b.observer = observe("block\(i)") }
        defer {
            net.observer = nil
            for b in net.blocks { b.observer = nil }
        }
        for batch in BatchLoader.evaluation(data, batchSize: 256).epoch(0) {
            _ = net.forward(batch.images, training: false)
        }
        return maxima
    }

    /// The integer conv/linear of quantized layer `l`, its BatchNorm (`l.norm`) folded.
    /// - Throws: `InputError` when a folded bias does not fit int32 accumulator units (at high
    ///   weight and input widths one unit is tiny); clamping it would export a different model.
    static func weightedLayer(
        _ l: QuantizedLayer, input x: Quantization, output y: Quantization,
        options: ExportOptions, report: inout ExportReport
    ) throws -> WeightedLayer {
        let bn = l.norm
        let w = l.layer.weight.value, bits = l.weights.bits!
        let form = l.weights.integerForm(w, bits: bits)
        let outC = w.shape[0], k = w.count / outC
        let grid = QuantGrid(bits: bits, signed: true)
        var q = form.q, bias = [Int32](repeating: 0, count: outC), zc = [Int64](repeating: 0, count: outC)
        var fraction = [Int64](repeating: 0, count: outC)
        var reals = [Double](repeating: 0, count: outC), scales = [Double](repeating: 0, count: outC)
        let linearBias = (l.layer as? Linear)?.bias?.value.storage
        // F as asked, lowered if some |Z_c| would not fit the schema's bound (2^46).
        var fractionBits = options.fractionBits
        let largestZ =
            (0..<outC).map { c -> Double in
                let step = Double(form.correction.a[c % form.correction.a.count]) * Double(form.step)
                return step != 0 ? abs(Double(form.correction.b[c % form.correction.b.count]) / step) : 0
            }.max() ?? 0
        while fractionBits > 0 && largestZ * Double(1 << fractionBits) >= Double(1 << 45) { fractionBits -= 1 }
        let f = Double(1 << fractionBits)
        for c in 0..<outC {
            let a = Double(form.correction.a[c % form.correction.a.count])
            let b = Double(form.correction.b[c % form.correction.b.count])
            let step = a * Double(form.step)
            var scaleBN = 1.0, shift = linearBias.map { Double($0[c]) } ?? 0
            if let bn {
                let inv = 1 / (Double(bn.runningVar.value.storage[c]) + Double(bn.epsilon)).squareRoot()
                scaleBN = Double(bn.gamma.value.storage[c]) * inv
                shift = Double(bn.beta.value.storage[c]) - Double(bn.runningMean.value.storage[c]) * scaleBN
            }
            var m = scaleBN * step * x.scale  // real value of one accumulator unit
            var z = step != 0 ? b / step : 0  // bias-correction zero point z_c
            if m < 0 {
                report.flipped_channels += 1
                m = -m; z = -z
                for i in (c * k)..<((c + 1) * k) {
                    if Float(q[i]) == grid.qmin {
                        report.clamped_weights += 1; q[i] = Int32(grid.qmax)
                    } else {
                        q[i] = -q[i]
                    }
                }
            }
            zc[c] = Int64((z * f).rounded())
            let biasUnits = m > 0 ? shift / m : 0
            guard abs(biasUnits.rounded()) <= Double(Int32.max) else {
                throw InputError(
                    "layer \(l.name), channel \(c): the folded bias is \(String(format: "%.3g", biasUnits)) "
                        + "accumulator units, beyond int32 at \(bits)-bit weights and \(x.bits)-bit inputs; export at fewer bits"
                )
            }
            bias[c] = Int32(biasUnits.rounded())
            fraction[c] = Int64(((biasUnits - Double(bias[c])) * f).rounded())
            reals[c] = m / y.scale
            scales[c] = step
        }
        let hasCorrection = zc.contains { $0 != 0 }
        let hasFraction = options.biasFraction && fraction.contains { $0 != 0 }
        return WeightedLayer(
            weights: q, weightShape: w.shape, weightBits: bits, weightScale: scales, bias: bias,
            zc: hasCorrection ? zc : nil,
            zcFractionBits: hasCorrection || hasFraction ? fractionBits : 0,
            biasFraction: hasFraction ? fraction : nil,
            requant: Requantization(reals: reals),
            stride: [(l.layer as? Conv2d)?.stride ?? 1, (l.layer as? Conv2d)?.stride ?? 1],
            padding: [(l.layer as? Conv2d)?.padding ?? 0, (l.layer as? Conv2d)?.padding ?? 0])
    }
}
