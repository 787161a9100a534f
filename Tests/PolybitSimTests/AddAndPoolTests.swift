import PolybitSim
import Testing

/// Residual add in each mode and average pooling rounding, on hand-worked values.
@Suite struct AddAndPoolTests {
    /// input → relu → add(input, relu): `a = x`, `b = max(x, zp)`.
    func addModel(leftShift: Int = 20) -> IntegerModel {
        let qa = Quantization(bits: 8, signed: true, scale: 0.05, zeroPoint: 2)
        let qy = Quantization(bits: 8, signed: true, scale: 0.09, zeroPoint: -1)
        return IntegerModel(
            inputShape: [1, 1, 4], input: qa,
            layers: [
                IntegerLayer(name: "relu", op: .relu, inputs: ["input"], output: qa),
                IntegerLayer(
                    name: "add", op: .add(AddRescale(scaleA: 0.05, scaleB: 0.05, scaleOut: 0.09, leftShift: leftShift)),
                    inputs: ["input", "relu"], output: qy),
            ])
    }

    @Test func addInEveryMode() throws {
        let x: [Int32] = [20, -30, 2, 127]
        for mode in RequantMode.allCases {
            let out = try IntegerSimulator(model: addModel(), config: SimulationConfig(requant: mode)).run(
                images: x, count: 1)
            // Real sums: 0.05·(18 + 18) = 1.8 → 20 steps of 0.09 → 19 after zp −1;
            // −1.6 + 0 → −17.78 → −18 → −19; 0 → −1; 0.05·250 = 12.5 → 138.9 → clamps to 127.
            #expect(out.outputs == [19, -19, -1, 127], "\(mode)")
        }
    }

    @Test func addRoundsTiesAsEachRuntime() throws {
        // 0.05·(7 − 2)·2 = 0.5 / 0.09 = 5.556 → 6, plus zero point −1.
        let out = try IntegerSimulator(model: addModel(), config: SimulationConfig(requant: .double)).run(
            images: [7, 7, 7, 7], count: 1)
        #expect(out.outputs == [5, 5, 5, 5])
        // Scales 1, 1 → 2 and b = relu(a): x = −3, −1, 3, 5 give −1.5, −0.5, 3, 5. onnx rounds half
        // to even; TFLite double rounding ends with RoundingDivideByPOT (ties away from zero);
        // single rounding ties toward +∞.
        let q = Quantization(bits: 8, signed: true, scale: 1, zeroPoint: 0)
        let half = Quantization(bits: 8, signed: true, scale: 2, zeroPoint: 0)
        let m = IntegerModel(
            inputShape: [1, 1, 4], input: q,
            layers: [
                IntegerLayer(name: "relu", op: .relu, inputs: ["input"], output: q),
                IntegerLayer(
                    name: "add", op: .add(AddRescale(scaleA: 1, scaleB: 1, scaleOut: 2)), inputs: ["input", "relu"],
                    output: half),
            ])
        for (mode, expected) in [
            (RequantMode.onnx, [Int32]([-2, 0, 3, 5])), (.double, [-2, -1, 3, 5]), (.single, [-1, 0, 3, 5]),
        ] {
            let out = try IntegerSimulator(model: m, config: SimulationConfig(requant: mode)).run(
                images: [-3, -1, 3, 5], count: 1)
            #expect(out.outputs == expected, "\(mode)")
        }
    }

    @Test func averagePoolRoundingPerMode() throws {
        // 2×2 average of x' = [1, 2, 2, 0] = 1.25 → 1; [1, 2, 2, 1] = 1.5 → 2; [1, 1, 2, 1] = 1.25 → 1;
        // [−1, −2, −2, −1] = −1.5 → −2 (onnx, half to even) or −1 (single, toward +∞). Double
        // rounding with M0 = 2^30, shift −1 rounds twice: 1.25 → 2.5 → 3 → 1.5 → 2, and −1.5 → −2.
        let q = Quantization(bits: 8, signed: true, scale: 1, zeroPoint: 0)
        let m = IntegerModel(
            inputShape: [4, 2, 2], input: q,
            layers: [
                IntegerLayer(
                    name: "gap", op: .globalAvgpool(Requantization(reals: [0.25])), inputs: ["input"], output: q)
            ])
        let x: [Int32] = [1, 2, 2, 0, 1, 2, 2, 1, 1, 1, 2, 1, -1, -2, -2, -1]
        #expect(
            try IntegerSimulator(model: m, config: SimulationConfig(requant: .onnx)).run(images: x, count: 1).outputs
                == [1, 2, 1, -2])
        #expect(
            try IntegerSimulator(model: m, config: SimulationConfig(requant: .double)).run(images: x, count: 1).outputs
                == [2, 2, 2, -2])
        #expect(
            try IntegerSimulator(model: m, config: SimulationConfig(requant: .single)).run(images: x, count: 1).outputs
                == [1, 2, 1, -1])
    }

    @Test func maxPoolIgnoresPadding() throws {
        let q = Quantization(bits: 8, signed: true, scale: 1, zeroPoint: 0)
        let m = IntegerModel(
            inputShape: [1, 2, 2], input: q,
            layers: [
                IntegerLayer(
                    name: "mp", op: .maxpool(PoolWindow(kernel: [2, 2], stride: [1, 1], padding: [1, 1])),
                    inputs: ["input"], output: q)
            ])
        let out = try IntegerSimulator(model: m).run(images: [-5, -6, -7, -8], count: 1)
        #expect(out.outputs == [-5, -5, -6, -5, -5, -6, -7, -7, -8])
    }
}
