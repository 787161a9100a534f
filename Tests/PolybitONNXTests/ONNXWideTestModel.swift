import PolybitSim

extension ONNXTestModels {
    /// A residual block shaped like `polybit export`'s (24-bit unsigned stem stream, 1×1 average
    /// pool down to a 4-bit grid, bias-corrected 4-bit convs, 24-bit residual add), then relu and
    /// clamp, a padded max pool, a padded 3×3 average pool, a widening average pool, a global pool
    /// of a 24-bit tensor and a classifier with 24-bit logits: every mapping of docs/onnx.md.
    static func wideBlock() -> IntegerModel {
        var seed: UInt64 = 7
        func next(_ n: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(n))
        }
        let input = Quantization(bits: 8, signed: false, scale: 1.0 / 255, zeroPoint: 30)
        let stream = Quantization(bits: 24, signed: false, scale: 1e-5, zeroPoint: 0)
        let residual = Quantization(bits: 24, signed: true, scale: 2e-5, zeroPoint: 0)
        let grid4 = Quantization(bits: 4, signed: false, scale: 0.25, zeroPoint: 0)
        let grid8 = Quantization(bits: 8, signed: false, scale: 0.02, zeroPoint: 3)
        let signed8 = Quantization(bits: 8, signed: true, scale: 0.015, zeroPoint: -4)
        let logits = Quantization(bits: 24, signed: true, scale: 1e-4, zeroPoint: 0)

        /// Random weights with requantization scales that spread the output over a quarter of `out`.
        func conv(_ o: Int, _ c: Int, k: Int, wbits: Int, xSpread: Double, out: Quantization) -> WeightedLayer {
            let wmax = (1 << (wbits - 1)) - 1, taps = c * max(k * k, 1)
            let weights = (0..<(o * taps)).map { _ in Int32(next(2 * wmax + 1) - wmax) }
            let spread = Double(out.qmax - out.qmin) / 4
            let reals = (0..<o).map { _ in
                spread / (Double(taps).squareRoot() * Double(wmax) / 1.7 * xSpread)
                    * (0.7 + 0.6 * Double(next(100)) / 100)
            }
            return WeightedLayer(
                weights: weights, weightShape: k == 0 ? [o, c] : [o, c, k, k], weightBits: wbits,
                weightScale: [0.01], bias: (0..<o).map { _ in Int32(next(201) - 100) },
                requant: Requantization(reals: reals), padding: [k / 2, k / 2])
        }
        func pool(_ real: Double) -> Requantization { Requantization(reals: [real]) }
        let layers = [
            IntegerLayer(
                name: "stem", op: .conv(conv(6, 3, k: 3, wbits: 8, xSpread: 70, out: stream)), inputs: ["input"],
                output: stream),
            IntegerLayer(
                name: "b.input",
                op: .avgpool(PoolWindow(kernel: [1, 1], stride: [1, 1]), pool(1.5e-5 * 4 / 0.25 * 0.05)),
                inputs: ["stem"], output: grid4),
            IntegerLayer(
                name: "b.conv1", op: .conv(conv(6, 6, k: 3, wbits: 4, xSpread: 4, out: grid4)), inputs: ["b.input"],
                output: grid4),
            IntegerLayer(
                name: "b.conv2", op: .conv(conv(6, 6, k: 3, wbits: 4, xSpread: 4, out: residual)), inputs: ["b.conv1"],
                output: residual),
            IntegerLayer(
                name: "b.add",
                op: .add(AddRescale(scaleA: residual.scale, scaleB: stream.scale, scaleOut: stream.scale)),
                inputs: ["b.conv2", "stem"], output: stream),
            IntegerLayer(name: "b.relu", op: .relu, inputs: ["b.add"], output: stream),
            IntegerLayer(
                name: "narrow",
                op: .avgpool(PoolWindow(kernel: [1, 1], stride: [1, 1]), pool(stream.scale / grid8.scale * 0.3)),
                inputs: ["b.relu"], output: grid8),
            IntegerLayer(name: "clamp", op: .clamp(min: 10, max: 200), inputs: ["narrow"], output: grid8),
            IntegerLayer(
                name: "maxpool", op: .maxpool(PoolWindow(kernel: [3, 3], stride: [2, 2], padding: [1, 1])),
                inputs: ["clamp"], output: grid8),
            IntegerLayer(
                name: "avgpool",
                op: .avgpool(PoolWindow(kernel: [3, 3], stride: [1, 1], padding: [1, 1]), pool(0.9 / 9)),
                inputs: ["maxpool"], output: grid8),
            IntegerLayer(
                name: "widen",
                op: .avgpool(
                    PoolWindow(kernel: [2, 2], stride: [1, 1], padding: [0, 0]),
                    pool(grid8.scale / (4 * residual.scale))), inputs: ["avgpool"], output: residual),
            IntegerLayer(
                name: "pool", op: .globalAvgpool(pool(residual.scale / (25 * signed8.scale) * 3)), inputs: ["widen"],
                output: signed8),
            IntegerLayer(name: "flat", op: .flatten, inputs: ["pool"], output: signed8),
            IntegerLayer(
                name: "fc", op: .linear(conv(10, 6, k: 0, wbits: 3, xSpread: 30, out: logits)), inputs: ["flat"],
                output: logits),
        ]
        var m = IntegerModel(inputShape: [3, 12, 12], input: input, layers: layers)
        m.layers = m.layers.map { $0.name.hasPrefix("b.conv") ? biasCorrected($0) : $0 }
        return m
    }
}
