import PolybitNN
import PolybitQuant
import PolybitTensor
import Testing

/// The quantized residual path: which quantizers each `ResidualPath` adds and where, that every
/// tensor a block adds is on its quantizer's grid, the width rule, and that training works.
@Suite struct ResidualPathTests {
    init() { Compute.configure(threads: 2) }

    /// ResNet-8: stage1.block0 (identity shortcut), stage2.block0 and stage3.block0 (projections).
    static func network(_ residual: ResidualPath, bits: [Int] = [2, 4, 8]) throws -> (ResNet, QuantizedNetwork) {
        let net = ResNet(depth: 8, inputChannels: 1, classes: 4, seed: 7)
        return (net, try QuantizedNetwork(model: net, bitWidths: bits, options: QuantizerOptions(), residual: residual))
    }

    static let blocks = ["stage1.block0", "stage2.block0", "stage3.block0"]

    @Test func eachPathAddsItsQuantizers() throws {
        let layerInputs = try Self.network(.float).1.activationQuantizers.map(\.name)
        #expect(layerInputs.contains("stage1.block0.input") && layerInputs.contains("classifier.input"))
        let activation = [
            "stage1.block0.residual", "stage2.block0.residual", "stage2.block0.shortcut", "stage3.block0.residual",
            "stage3.block0.shortcut", "pool.input",
        ]
        let bits = [
            "stem.output", "stage1.block0.residual", "stage1.block0.output", "stage2.block0.residual",
            "stage2.block0.shortcut", "stage2.block0.output", "stage3.block0.residual", "stage3.block0.shortcut",
            "stage3.block0.output",
        ]
        for (path, added) in [(ResidualPath.activation, activation), (.bits(8), bits)] {
            let (net, q) = try Self.network(path)
            #expect(q.residual == path)
            #expect(q.activationQuantizers.map(\.name) == layerInputs + added, "\(path)")
            for name in added {
                let quantizer = try #require(q.activationQuantizer(named: name))
                #expect(quantizer.signed == (name.hasSuffix(".residual") || name.hasSuffix(".shortcut")), "\(name)")
                #expect(
                    net.parameters.contains { $0 === quantizer.steps[8] }, "\(name)'s steps are model parameters")
            }
        }
        #expect(try Self.network(.float).1.residual == .float)
        #expect(try Self.network(.float).1.activationQuantizer(named: "pool.input") == nil)
        #expect(throws: (any Error).self) { try Self.network(.bits(17)) }
        let vit = ViT(inputChannels: 1, height: 8, width: 8, classes: 3, patch: 4, dim: 8, depth: 1, heads: 2, seed: 1)
        #expect(
            try QuantizedNetwork(model: vit, bitWidths: [4], options: QuantizerOptions(), residual: .activation)
                .residual == .float, "a ViT has no quantized residual path")
    }

    /// `v` is `step·q` for integers `q` of `grid` (to float rounding).
    static func onGrid(_ t: Tensor, _ q: ActivationQuantizer) -> Bool {
        guard let bits = q.bits, let step = q.steps[bits]?.value.storage[0] else { return false }
        let grid = q.grid(bits)
        return t.storage.allSatisfy {
            let v = $0 / step
            return abs(v - v.rounded()) < 1e-3 && v.rounded() >= grid.qmin && v.rounded() <= grid.qmax
        }
    }

    /// In `.activation` mode both terms of every add are on a quantizer's grid (the identity term
    /// is the block's quantized input itself), and so is what the pool reads.
    @Test(arguments: [2, 4])
    func everyAddedTensorIsOnItsGrid(bits: Int) throws {
        let (net, q) = try Self.network(.activation)
        q.set(.uniform(bits))
        var rng = SeededRNG(seed: 2)
        let images = Tensor.randomNormal([6, 1, 8, 8], std: 1, rng: &rng)
        _ = net.forward(images, training: true)  // initializes the steps
        var seen: [String: Tensor] = [:]
        for (name, block) in zip(Self.blocks, net.blocks) {
            block.observer = { seen[name + "." + $0] = $1 }
        }
        let blockInputs = Self.blocks.map { q.activationQuantizer(named: $0 + ".input")! }
        for quantizer in blockInputs + [q.activationQuantizer(named: "pool.input")!] {
            quantizer.observer = { seen[quantizer.name] = $0 }
        }
        _ = net.forward(images, training: false)
        for (i, name) in Self.blocks.enumerated() {
            let residual = try #require(seen[name + ".residual"]), output = try #require(seen[name + ".output"])
            #expect(Self.onGrid(residual, q.activationQuantizer(named: name + ".residual")!), "\(name).residual")
            let shortcut: Tensor
            if let s = q.activationQuantizer(named: name + ".shortcut") {
                shortcut = try #require(seen[name + ".shortcut"])
                #expect(Self.onGrid(shortcut, s), "\(name).shortcut")
            } else {
                shortcut = try #require(seen[name + ".input"])
                #expect(Self.onGrid(shortcut, blockInputs[i]), "\(name): the identity term is the quantized input")
            }
            #expect(output.storage == zip(residual.storage, shortcut.storage).map { max($0 + $1, 0) })
            let reader = i + 1 < Self.blocks.count ? Self.blocks[i + 1] + ".input" : "pool.input"
            let read = try #require(seen[reader])
            #expect(Self.onGrid(read, q.activationQuantizer(named: reader)!), "\(reader) quantizes \(name)'s output")
        }
    }

    /// The width rule of `ResidualQuantizers`, under a uniform precision and under a policy.
    @Test func widthsFollowTheReaderOfTheBlockOutput() throws {
        func widths(_ q: QuantizedNetwork) -> [String: Int?] {
            Dictionary(uniqueKeysWithValues: q.activationQuantizers.map { ($0.name, $0.bits) })
        }
        let (_, act) = try Self.network(.activation, bits: [2, 3, 4, 5, 6, 8])
        act.set(.uniform(3))
        #expect(act.activationQuantizers.allSatisfy { $0.bits == ($0.name == "classifier.input" ? 8 : 3) })
        act.set(.float)
        #expect(act.activationQuantizers.allSatisfy { $0.bits == nil })
        let policy = PrecisionPolicy(
            layers: [
                "stage1.block0.conv1": .init(weight_bits: 4, activation_bits: 6),
                "stage2.block0.conv1": .init(weight_bits: 4, activation_bits: 5),
                "stage2.block0.shortcut.conv": .init(weight_bits: 4, activation_bits: 5),
                "stage3.block0.conv1": .init(weight_bits: 4, activation_bits: 2),
                "stage3.block0.shortcut.conv": .init(weight_bits: 4, activation_bits: 2),
            ], default: .init(weight_bits: 4, activation_bits: 4))
        act.set(policy)
        let w = widths(act)
        #expect(w["stage1.block0.residual"] == 5, "block 0's output is read by stage2.block0.input (5 bits)")
        #expect(w["stage2.block0.residual"] == 2 && w["stage2.block0.shortcut"] == 2)
        #expect(w["stage3.block0.residual"] == 2 && w["stage3.block0.shortcut"] == 2, "the last block: its own")
        #expect(w["pool.input"] == 2 && w["stage3.block0.input"] == 2)

        let (_, wide) = try Self.network(.bits(6), bits: [2, 3, 4, 5, 6, 8])
        wide.set(.uniform(3))
        let u = widths(wide)
        #expect(u["stem.output"] == 6 && u["stage2.block0.output"] == 6 && u["stage2.block0.shortcut"] == 6)
        #expect(u["stage2.block0.input"] == 3 && u["stage2.block0.conv2.input"] == 3)
        wide.set(.uniform(8))
        #expect(wide.activationQuantizers.allSatisfy { $0.bits == 8 })
        wide.set(policy)
        let p = widths(wide)
        #expect(p["stem.output"] == 6 && p["stage1.block0.output"] == 6 && p["stage3.block0.output"] == 6)
        wide.set(PrecisionPolicy(layers: [:], default: .init(weight_bits: 4, activation_bits: 8)))
        #expect(widths(wide)["stage1.block0.residual"] == 8 && widths(wide)["stem.output"] == 8)
    }

    /// A few multi-bit SGD steps lower the loss at 8, 4 and 2 bits with either quantized path.
    @Test(arguments: [ResidualPath.activation, .bits(8)])
    func multiBitTrainingWorks(path: ResidualPath) throws {
        let (net, q) = try Self.network(path)
        expectMultiBitStepsLowerLoss(net, q)
    }

    /// `.float` is today's network: no residual quantizer, the identity reads the raw input.
    @Test func floatPathLeavesTheStreamFloat() throws {
        let (net, q) = try Self.network(.float)
        #expect(net.stemOutputTransform == nil && net.poolInputTransform == nil)
        for block in net.blocks {
            #expect(!block.identityReadsConvInput && block.residualTransform == nil)
            #expect(block.shortcutTransform == nil && block.outputTransform == nil)
        }
        let plain = ResNet(depth: 8, inputChannels: 1, classes: 4, seed: 7)
        let untouched = try QuantizedNetwork(model: plain, bitWidths: [2, 4, 8], options: QuantizerOptions())
        #expect(q.activationQuantizers.map(\.name) == untouched.activationQuantizers.map(\.name))
    }
}
