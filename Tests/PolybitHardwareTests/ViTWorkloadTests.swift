import PolybitHardware
import PolybitNN
import PolybitQuant
import PolybitSim
import Testing

/// The cost model's view of an integer ViT: per-token linears, attention products whose MACs grow
/// with tokens², and the widths of every tensor.
@Suite struct ViTWorkloadTests {
    func model(side: Int) throws -> IntegerModel {
        IntegerModel.syntheticViT(
            topology: try ViTTopology(
                inputChannels: 1, height: side, width: side, classes: 10, patch: 4, dim: 16, depth: 2, heads: 2))
    }

    @Test func macsAreTheSimulatorsAndAttentionGrowsWithTokensSquared() throws {
        let small = try model(side: 8), large = try model(side: 16)  // 5 and 17 tokens
        for m in [small, large] {
            let work = try m.workloads()
            let simulated = try IntegerSimulator(model: m).macsPerImage.reduce(0, +)
            #expect(work.reduce(0) { $0 + $1.macs } == simulated)
        }
        func macs(_ m: IntegerModel, _ name: String) throws -> Int { try m.workloads().first { $0.name == name }!.macs }
        #expect(try macs(small, "block0.attn.scores") == 2 * 5 * 5 * 8)
        #expect(try macs(large, "block0.attn.context") == 2 * 17 * 17 * 8)
        #expect(try macs(large, "block0.attn.qkv") == 17 * 16 * 48)  // linear: tokens × in × out
        let scores = try large.workloads().first { $0.name == "block0.attn.scores" }!
        #expect(scores.params == 0 && scores.inputs == ["block0.attn.q", "block0.attn.k"])
    }

    @Test func widthsFollowTheStoredTensors() throws {
        let work = try model(side: 8).workloads()
        let byName = Dictionary(uniqueKeysWithValues: work.map { ($0.name, $0) })
        // LayerNorm reads the 16-bit stream and writes the 8-bit qkv input; qkv reads 8 bits.
        #expect(byName["block0.norm1"]!.activationBits == 16 && byName["block0.norm1"]!.outputBits == 8)
        #expect(byName["block0.attn.qkv"]!.activationBits == 8 && byName["block0.attn.qkv"]!.weightBits == 8)
        // A·V multiplies 16-bit probabilities by 16-bit values.
        #expect(byName["block0.attn.context"]!.activationBits == 16 && byName["block0.attn.context"]!.weightBits == 16)
        #expect(byName["block0.attn.softmax"]!.elementwiseOps == 2 * 5 * 5)
        #expect(byName["cls"] == nil && byName["embed.tokens"] == nil)  // copies fold into their input
        let cost = try CostModel(profile: try ProfileLoader.load(path: Fixtures.profilePath("eyeriss.yaml"))).cost(work)
        #expect(cost.energyPJPerImage > 0)
    }
}

/// The analytic layer list of a ViT checkpoint's plan (what `pick` would cost) is the layer list of
/// the model `export` writes, so the two costs are equal.
@Suite struct ViTPlanWorkloadTests {
    @Test func planWorkloadsAreTheExportedModels() throws {
        let topology = try ViTTopology(
            inputChannels: 1, height: 8, width: 8, classes: 10, patch: 4, dim: 16, depth: 2, heads: 2)
        let precision = { (name: String) in
            name.hasSuffix("fc1")
                ? Precision(weightBits: 4, activationBits: 6) : Precision(weightBits: 8, activationBits: 8)
        }
        let plan = ViTIntegerPlan(topology: topology, precisionOf: precision)
        let model = IntegerModel.syntheticViT(topology: topology)  // the same plan, every linear 8×8
        let uniform = ViTIntegerPlan(topology: topology) { _ in .uniform(8) }
        #expect(try uniform.workloads() == model.workloads())
        let fc1 = try plan.workloads().first { $0.name == "block1.fc1" }!
        #expect(fc1.weightBits == 4 && fc1.activationBits == 6)
        let floatPlan = ViTIntegerPlan(topology: topology) { _ in .float }
        #expect(try floatPlan.workloads().first { $0.name == "head" }!.weightBits == 32)
    }
}
