import Foundation
import PolybitNN
import PolybitSim
import PolybitTestSupport
import Testing

/// The transformer ops inside integer models: layouts of the token and head reshapes, the
/// attention composition against float, per-token linears, file round trips and validation.
@Suite struct TransformerOpsTests {
    let topology = try! ViTTopology(
        inputChannels: 1, height: 8, width: 8, classes: 10, patch: 4, dim: 16, depth: 2, heads: 2, mlpRatio: 2)

    func dequantized(_ v: [Int32], _ q: Quantization) -> [Double] { v.map { q.scale * Double(Int($0) - q.zeroPoint) } }

    @Test func reshapesMoveCodesAsDocumented() throws {
        let q = Quantization(bits: 8, signed: true, scale: 0.1, zeroPoint: 0)
        // [C=2, H=1, W=3] → tokens [3, 2] → heads of width 1 → merged back; token 2 selected.
        let model = IntegerModel(
            inputShape: [2, 1, 3], input: q,
            layers: [
                IntegerLayer(name: "t", op: .tokens, inputs: ["input"], output: q),
                IntegerLayer(
                    name: "h", op: .splitHeads(HeadSplit(offset: 0, heads: 2, headDim: 1)), inputs: ["t"], output: q),
                IntegerLayer(name: "m", op: .mergeHeads, inputs: ["h"], output: q),
                IntegerLayer(name: "s", op: .selectToken(2), inputs: ["m"], output: q),
            ])
        let (out, traces) = try IntegerSimulator(model: model).trace(images: [1, 2, 3, 10, 20, 30], count: 1)
        #expect(traces[0].output == [1, 10, 2, 20, 3, 30])
        #expect(traces[1].output == [1, 2, 3, 10, 20, 30])  // head 0 = channel 0 of every token
        #expect(traces[2].output == traces[0].output)
        #expect(out.outputs == [3, 30] && out.outputShape == [2])
    }

    @Test func perTokenLinearIsTheLinearOfEachToken() throws {
        var rng = TestRNG(3)
        let q = Quantization(bits: 8, signed: true, scale: 0.05, zeroPoint: 1)
        let w = WeightedLayer(
            weights: rng.ints(5 * 4, -127...127), weightShape: [5, 4], weightBits: 8, weightScale: [0.01],
            bias: rng.ints(5, -50...50), requant: Requantization(reals: [0.002, 0.003, 0.004, 0.005, 0.006]))
        let tokens = IntegerModel(
            inputShape: [4, 1, 3], input: q,
            layers: [
                IntegerLayer(name: "t", op: .tokens, inputs: ["input"], output: q),
                IntegerLayer(name: "fc", op: .linear(w), inputs: ["t"], output: q),
            ])
        let single = IntegerModel(
            inputShape: [4, 1, 1], input: q,
            layers: [IntegerLayer(name: "fc", op: .linear(w), inputs: ["input"], output: q)])
        let x = rng.ints(2 * 12, -128...127)
        let sim = try IntegerSimulator(model: tokens)
        let y = sim.run(images: x, count: 2).outputs
        #expect(sim.outputShapes.last == [3, 5] && sim.macsPerImage[1] == 3 * 5 * 4)
        // Token t of image i is pixel column t: channels x[i][c][0][t].
        var columns: [Int32] = []
        for i in 0..<2 { for t in 0..<3 { for c in 0..<4 { columns.append(x[i * 12 + c * 3 + t]) } } }
        #expect(try IntegerSimulator(model: single).run(images: columns, count: 6).outputs == y)
    }

    @Test func attentionAgreesWithFloatOnTheTracedQKV() throws {
        let model = IntegerModel.syntheticViT(topology: topology)
        let sim = try IntegerSimulator(model: model)
        let names: Set = ["block0.attn.qkv", "block0.attn.scores", "block0.attn.merge"]
        let (_, traces) = sim.trace(images: model.randomInputs(count: 3), count: 3, layers: names)
        let byName = Dictionary(uniqueKeysWithValues: traces.map { ($0.layer.name, $0) })
        let qkv = byName["block0.attn.qkv"]!, scores = byName["block0.attn.scores"]!,
            merged = byName["block0.attn.merge"]!
        let t = topology.tokens, d = topology.dim, dh = topology.headDim
        let x = dequantized(qkv.output, qkv.layer.output)
        let s = dequantized(scores.output, scores.layer.output), y = dequantized(merged.output, merged.layer.output)
        var worstScore = 0.0, worstContext = 0.0, bound = 0.0
        for image in 0..<3 {
            func at(_ r: Int, _ c: Int) -> Double { x[(image * t + r) * 3 * d + c] }
            for h in 0..<topology.heads {
                for i in 0..<t {
                    let logits = (0..<t).map { j in
                        (0..<dh).reduce(0.0) { $0 + at(i, h * dh + $1) * at(j, d + h * dh + $1) }
                            / Double(dh).squareRoot()
                    }
                    for j in 0..<t {
                        worstScore = max(worstScore, abs(s[((image * topology.heads + h) * t + i) * t + j] - logits[j]))
                    }
                    let e = logits.map { exp($0 - logits.max()!) }, total = e.reduce(0, +)
                    for c in 0..<dh {
                        let v = (0..<t).map { at($0, 2 * d + h * dh + c) }
                        let want = (0..<t).reduce(0.0) { $0 + e[$1] / total * v[$1] }
                        worstContext = max(worstContext, abs(y[(image * t + i) * d + h * dh + c] - want))
                        bound = max(bound, merged.layer.output.scale / 2 + 0.0025 * v.reduce(0) { $0 + abs($1) })
                    }
                }
            }
        }
        #expect(worstScore <= scores.layer.output.scale / 2 + 1e-9, "scores: \(worstScore)")
        // Context: half an output step plus the softmax bound (0.0025 per probability) times Σ|v|.
        #expect(worstContext <= bound, "context: \(worstContext) > \(bound)")
    }

    @Test func syntheticViTRoundTripsAndRunsInBatches() throws {
        let model = IntegerModel.syntheticViT(topology: topology, weightBits: 4, activationBits: 6)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.write(to: dir + "/vit.h5")
        #expect(try IntegerModel.read(path: dir + "/vit.h5") == model)
        let images = model.randomInputs(count: 7)
        let batched = try IntegerSimulator(model: model, config: SimulationConfig(threads: 2, batch: 2))
            .run(images: images, count: 7)
        let (single, _) = try IntegerSimulator(model: model).trace(images: images, count: 7, layers: [])
        #expect(batched.outputs == single.outputs)
        #expect(batched.outputShape == [10])
        let rows: [[Int32]] = (0..<7).map { Array(batched.outputs[($0 * 10)..<($0 * 10 + 10)]) }
        #expect(Set(rows).count == 7)  // every image has its own logits
        let matmuls = batched.layers.filter { $0.op == "matmul" }
        #expect(matmuls.count == 4 && matmuls.allSatisfy { $0.macsPerImage == 2 * 5 * 5 * 8 })
    }
}
