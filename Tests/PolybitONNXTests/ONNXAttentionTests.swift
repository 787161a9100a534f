import Foundation
import PolybitONNX
import PolybitSim
import PolybitTestSupport
import Testing

/// A ViT attention block without its special functions (QKV projection, token and head reshapes,
/// both attention products) converted to ONNX: onnxruntime computes the simulator's codes bit for
/// bit (tools/sim/onnx_check.py --given). Softmax, GELU, LayerNorm and matmuls over wide operands
/// are refused with one line naming the layer.
@Suite struct ONNXAttentionTests {
    enum Variant: String, CaseIterable, CustomStringConvertible {
        /// Ends at `merge_heads`: `[T, D]` codes.
        case context
        /// Then `select_token(0)`: the class token's `[D]` codes.
        case classToken
        /// Ends at the scores, requantized to 16 bits (the wide requantization path).
        case wideScores
        var description: String { rawValue }
    }

    static let (dim, heads, headDim) = (8, 2, 4)

    /// Deterministic pseudo-random integers in `lo...hi`.
    static func integers(_ count: Int, _ lo: Int32, _ hi: Int32, seed: UInt64) -> [Int32] {
        var state = seed
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return lo + Int32((state >> 33) % UInt64(hi - lo + 1))
        }
    }

    /// 8-bit unsigned `[4, 4, 4]` image → 1×1 conv to `3·dim` channels (int8) → 16 tokens → Q, K, V
    /// (2 heads of 4) → scores `Q·Kᵀ` (uint8, zero point 100, or int16) → context `A·V` (int8) →
    /// merged heads (→ class token).
    static func model(_ variant: Variant, qkvBits: Int = 8) -> IntegerModel {
        let d = dim, channels = 4
        let conv = WeightedLayer(
            weights: integers(3 * d * channels, -127, 127, seed: 7), weightShape: [3 * d, channels, 1, 1],
            weightBits: 8, weightScale: [0.01], bias: integers(3 * d, -500, 500, seed: 8),
            requant: Requantization(reals: [1.0 / 400]))
        let signed8 = Quantization(bits: 8, signed: true, scale: 0.05, zeroPoint: 0)
        let qkvGrid = Quantization(bits: qkvBits, signed: true, scale: 0.05, zeroPoint: 0)
        let scores =
            variant == .wideScores
            ? Quantization(bits: 16, signed: true, scale: 0.001, zeroPoint: 0)
            : Quantization(bits: 8, signed: false, scale: 0.02, zeroPoint: 100)
        var layers = [
            IntegerLayer(name: "qkv", op: .conv(conv), inputs: [IntegerModel.inputName], output: qkvGrid),
            IntegerLayer(name: "tokens", op: .tokens, inputs: ["qkv"], output: qkvGrid),
        ]
        for (i, part) in ["q", "k", "v"].enumerated() {
            let split = HeadSplit(offset: i * d, heads: heads, headDim: headDim)
            layers.append(IntegerLayer(name: part, op: .splitHeads(split), inputs: ["tokens"], output: qkvGrid))
        }
        let scoreScale: Float = variant == .wideScores ? 3 : 1.0 / 100
        layers.append(
            IntegerLayer(
                name: "scores",
                op: .matmul(MatmulParameters(transposeB: true, requant: Requantization(reals: [Double(scoreScale)]))),
                inputs: ["q", "k"], output: scores))
        if variant == .wideScores {
            return IntegerModel(inputShape: [channels, 4, 4], input: image, layers: layers)
        }
        layers += [
            IntegerLayer(
                name: "context",
                op: .matmul(MatmulParameters(transposeB: false, requant: Requantization(reals: [1.0 / 200]))),
                inputs: ["scores", "v"], output: signed8),
            IntegerLayer(name: "merge", op: .mergeHeads, inputs: ["context"], output: signed8),
        ]
        if variant == .classToken {
            layers.append(IntegerLayer(name: "cls", op: .selectToken(0), inputs: ["merge"], output: signed8))
        }
        return IntegerModel(inputShape: [channels, 4, 4], input: image, layers: layers)
    }

    static let image = Quantization(bits: 8, signed: false, scale: 1.0 / 255, zeroPoint: 0)

    @Test(arguments: Variant.allCases)
    func onnxruntimeMatchesSimulator(_ variant: Variant) throws {
        guard ONNXRuntimeAgreementTests.toolAvailable else {
            print("skipped \(variant): python3 with h5py, onnx and onnxruntime is not available")
            return
        }
        let model = Self.model(variant)
        try model.validate(file: "attention")
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ONNXExport.write(model, to: dir + "/m.onnx")
        let count = 16
        let outputs = try ONNXRuntimeAgreementTests.writeSimulation(model, count: count, dir: dir)
        #expect(Set(outputs).count > 50, "outputs should spread over the range")
        let report = try runProgram(
            "python3", [ONNXTestModels.tool, dir + "/m.onnx", "--given", dir + "/in.h5", dir + "/expected.h5"])
        #expect(report.contains("\(count)/\(count) images bit-exact"), "\(variant): \(report)")
    }

    @Test func specialFunctionsAndWideOperandsAreRefused() throws {
        var withSoftmax = Self.model(.context)
        let probabilities = Quantization(bits: 8, signed: false, scale: 1.0 / 256, zeroPoint: 0)
        withSoftmax.layers.insert(
            IntegerLayer(
                name: "softmax", op: .softmax(IntegerSoftmax.inputMultiplier(inputScale: 0.02)), inputs: ["scores"],
                output: probabilities), at: 6)
        withSoftmax.layers[7].inputs = ["softmax", "v"]
        try withSoftmax.validate(file: "attention")
        let wide = Self.model(.context, qkvBits: 16)
        try wide.validate(file: "attention")
        for (model, expected) in [
            (withSoftmax, "layer 'softmax': field 'op': the ONNX exporter does not map op 'softmax'"),
            (wide, "layer 'scores': field 'inputs[0]': reads a 16-bit tensor; ONNX's MatMulInteger (int8)"),
        ] {
            do {
                _ = try ONNXExport.serialize(model, file: "attention")
                Issue.record("no error for \(expected)")
            } catch let e as IntegerModelError {
                #expect(e.description.contains(expected), "\(e.description)")
                #expect(!e.description.contains("\n"))
            }
        }
    }
}
