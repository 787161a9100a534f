import PolybitTensor

extension IntegerModel {
    /// A random but valid ResNet-shaped integer model (CIFAR-style ResNet-`6n+2`: a 3×3 stem,
    /// three stages of `n` basic blocks at 16/32/64 channels, 1×1 stride-2 projection shortcuts,
    /// global average pool, linear classifier) for benchmarks and tests. Weights are uniform
    /// `weightBits`-bit integers; requantization scales keep activations spread over their
    /// `activationBits`-bit signed range. `depth` 20 gives ResNet-20 (≈31 M MACs for 1×28×28).
    public static func syntheticResNet(
        inputShape: [Int] = [1, 28, 28], depth: Int = 20, classes: Int = 10,
        weightBits: Int = 8, activationBits: Int = 8, seed: UInt64 = 1
    ) -> IntegerModel {
        precondition((depth - 2) % 6 == 0 && depth >= 8, "depth must be 6n + 2")
        var rng = SeededRNG(seed: seed)
        let blocks = (depth - 2) / 6
        let wmax = (1 << (weightBits - 1)) - 1
        let act = Quantization(bits: activationBits, signed: true, scale: 0.05, zeroPoint: 0)
        let sum = Quantization(bits: activationBits, signed: true, scale: 0.07, zeroPoint: 0)
        let input = Quantization(
            bits: activationBits, signed: true, scale: 1.0 / Double((1 << (activationBits - 1)) - 1), zeroPoint: 0)
        var layers: [IntegerLayer] = []
        var channels = inputShape[0]

        /// Random conv weights `[o, c, k, k]`, or linear `[o, c]` when `k` is 0.
        func weighted(_ o: Int, _ k: Int, inputs c: Int) -> WeightedLayer {
            let taps = c * max(k * k, 1)
            let weights = (0..<(o * taps)).map { _ in Int32(Int(rng.nextFloat() * Float(2 * wmax + 1)) - wmax) }
            // Output spread ≈ sqrt(K) · std(w) · std(x'); aim at a quarter of the range.
            let stdW = Double(wmax) / 3.0.squareRoot(), stdX = Double(1 << (activationBits - 1)) / 4
            let target = Double(1 << (activationBits - 1)) / 4
            let reals = (0..<o).map { _ in
                target / (Double(taps).squareRoot() * stdW * stdX) * Double(0.7 + 0.6 * rng.nextFloat())
            }
            let bias = (0..<o).map { _ in Int32(Int(rng.nextFloat() * 201) - 100) }
            return WeightedLayer(
                weights: weights, weightShape: k == 0 ? [o, c] : [o, c, k, k], weightBits: weightBits,
                weightScale: [0.01], bias: bias, requant: Requantization(reals: reals),
                stride: [1, 1], padding: [k / 2, k / 2])
        }
        func conv(_ name: String, _ from: String, _ o: Int, k: Int, stride: Int, out: Quantization) {
            var w = weighted(o, k, inputs: channels)
            w.stride = [stride, stride]
            layers.append(IntegerLayer(name: name, op: .conv(w), inputs: [from], output: out))
        }
        conv("stem", IntegerModel.inputName, 16, k: 3, stride: 1, out: act)
        layers.append(IntegerLayer(name: "stem_relu", op: .relu, inputs: ["stem"], output: act))
        channels = 16
        var x = "stem_relu"
        for (stage, width) in [16, 32, 64].enumerated() {
            for b in 0..<blocks {
                let p = "s\(stage + 1)b\(b + 1)"
                let stride = stage > 0 && b == 0 ? 2 : 1
                let inChannels = channels
                conv(p + "_conv1", x, width, k: 3, stride: stride, out: act)
                layers.append(IntegerLayer(name: p + "_relu1", op: .relu, inputs: [p + "_conv1"], output: act))
                channels = width
                conv(p + "_conv2", p + "_relu1", width, k: 3, stride: 1, out: act)
                var shortcut = x
                if stride != 1 || inChannels != width {
                    channels = inChannels
                    conv(p + "_proj", x, width, k: 1, stride: stride, out: act)
                    channels = width
                    shortcut = p + "_proj"
                }
                layers.append(
                    IntegerLayer(
                        name: p + "_add",
                        op: .add(AddRescale(scaleA: act.scale, scaleB: act.scale, scaleOut: sum.scale)),
                        inputs: [shortcut, p + "_conv2"], output: sum))
                layers.append(IntegerLayer(name: p + "_relu2", op: .relu, inputs: [p + "_add"], output: sum))
                x = p + "_relu2"
            }
        }
        let h = (inputShape[1] + 3) / 4, w = (inputShape[2] + 3) / 4
        layers.append(
            IntegerLayer(
                name: "pool", op: .globalAvgpool(Requantization(reals: [sum.scale / (Double(h * w) * act.scale)])),
                inputs: [x], output: act))
        layers.append(
            IntegerLayer(name: "fc", op: .linear(weighted(classes, 0, inputs: 64)), inputs: ["pool"], output: act))
        return IntegerModel(inputShape: inputShape, input: input, layers: layers)
    }

    /// Random input images (uniform over the input quantization's range), `count × C·H·W`.
    public func randomInputs(count: Int, seed: UInt64 = 2) -> [Int32] {
        var rng = SeededRNG(seed: seed)
        let lo = input.qmin, span = input.qmax - input.qmin + 1
        return (0..<(count * inputShape.reduce(1, *))).map { _ in
            Int32(lo + min(span - 1, Int(rng.nextFloat() * Float(span))))
        }
    }
}
