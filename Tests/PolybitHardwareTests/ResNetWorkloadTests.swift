import PolybitHardware
import PolybitNN
import PolybitQuant
import PolybitSim
import Testing

/// The cost model's view of a ResNet: the workloads of its integer plan (the model `export` writes).
@Suite struct ResNetWorkloadTests {
    let cifar = TensorShape(channels: 3, height: 32, width: 32)
    let fashion = TensorShape(channels: 1, height: 28, width: 28)

    /// The workloads of ResNet-`depth` on `input` images, every conv at `precision`.
    func layers(
        depth: Int = 20, width: Int = 1, input: TensorShape, precision: Precision, edgeBits: Int? = 8,
        residual: ResidualPath = .activation
    ) throws -> [LayerWorkload] {
        let topology = try ResNetTopology(depth: depth, width: width, inputChannels: input.channels, classes: 10)
        return try ResNetIntegerPlan(
            topology: topology, inputShape: [input.channels, input.height, input.width], residual: residual,
            precision: precision, edgeBits: edgeBits
        ).workloads()
    }

    /// The workloads with each conv/linear at the precision `precisionOf` gives its trained name.
    func layers(
        input: TensorShape, width: Int = 1, residual: ResidualPath = .activation,
        precisionOf: (String) -> Precision
    ) throws -> [LayerWorkload] {
        let topology = try ResNetTopology(depth: 20, width: width, inputChannels: input.channels, classes: 10)
        return try ResNetIntegerPlan(
            topology: topology, inputShape: [input.channels, input.height, input.width], residual: residual,
            precisionOf: precisionOf
        ).workloads()
    }

    @Test func resnet20MACsMatchThePublishedFigure() throws {
        let macs = try layers(input: cifar, precision: Precision.uniform(4)).reduce(0) { $0 + $1.macs }
        // stem 16·1024·27 = 442368; stage 1: 6 · 16·1024·144; stage 2: 32·256·144 + 5 · 32·256·288
        // + shortcut 32·256·16; stage 3: 64·64·288 + 5 · 64·64·576 + shortcut 64·64·32; fc 640.
        #expect(macs == 40_813_184)
        #expect(abs(Double(macs) - 40.8e6) / 40.8e6 < 0.03)  // ANCHORS.md: 40.8 M
        let fm = try layers(input: fashion, precision: Precision.uniform(4))
        #expect(fm.reduce(0) { $0 + $1.macs } == 31_021_952)  // ANCHORS.md: about 31 M
    }

    @Test func resnet20Structure() throws {
        let layers = try layers(input: cifar, precision: Precision.uniform(4))
        // stem + 9 blocks · (2 convs + add) + 2 projections + pool + fc.
        #expect(layers.count == 32)
        #expect(layers.filter { $0.kind == .conv }.count == 21)
        #expect(layers.reduce(0) { $0 + $1.params } == 270_896)  // the usual 0.27 M
        // Stem and classifier at 8x8 by default, the rest at the chosen precision.
        #expect(layers.first!.weightBits == 8 && layers.last!.activationBits == 8)
        #expect(layers[1].weightBits == 4 && layers[1].activationBits == 4)
        let projection = layers.first { $0.name == "stage2.block0.shortcut.conv" }!
        #expect(projection.kernelHeight == 1 && projection.stride == 2)
        #expect(projection.outputShape == TensorShape(channels: 32, height: 16, width: 16))
        let add = layers.first { $0.name == "stage2.block0.add" }!
        #expect(add.inputs == ["stage2.block0.conv2", "stage2.block0.shortcut.conv"])
        #expect(
            layers.first { $0.name == "stage1.block1.add" }!.inputs == ["stage1.block1.conv2", "stage1.block0.add"])
        #expect(layers.last!.outputShape.channels == 10)
        let uniform = try self.layers(input: cifar, precision: Precision.uniform(4), edgeBits: nil)
        #expect(uniform.first!.weightBits == 4)
        #expect(uniform.first!.activationBits == 8, "the stem reads 8-bit pixels whatever its policy says")
    }

    /// Per-layer precisions by the trained model's names: one precision everywhere is the uniform
    /// list; a layer's change lands on its workload and on the stored width of the tensor it reads.
    @Test func perLayerPrecisionsByTrainedNames() throws {
        let uniform = try layers(input: fashion, precision: Precision.uniform(4))
        let same = try layers(input: fashion) {
            $0 == "stem.conv" || $0 == "classifier" ? Precision.uniform(8) : Precision.uniform(4)
        }
        #expect(same == uniform)
        var asked: [String] = []
        let mixed = try layers(input: fashion) { name in
            asked.append(name)
            switch name {
            case "stage2.block0.shortcut.conv": return Precision(weightBits: 2, activationBits: 4)
            case "stage1.block0.conv1": return Precision(weightBits: 4, activationBits: 6)
            case "stage3.block2.conv2": return Precision(weightBits: 3, activationBits: 5)
            case "stem.conv", "classifier": return Precision.uniform(8)
            default: return Precision.uniform(4)
            }
        }
        #expect(
            Set(asked)
                == Set(
                    ["stem.conv", "classifier", "stage2.block0.shortcut.conv", "stage3.block0.shortcut.conv"]
                        + (1...3).flatMap { s in
                            (0..<3).flatMap { b in ["conv1", "conv2"].map { "stage\(s).block\(b).\($0)" } }
                        }))
        let layer = { (name: String) in mixed.first { $0.name == name }! }
        #expect(
            layer("stage2.block0.shortcut.conv").weightBits == 2 && layer("stage2.block0.conv1").weightBits == 4)
        #expect(layer("stem.conv").outputBits == 6, "the stem's output is stored at the width its reader quantizes to")
        #expect(layer("stage1.block0.conv1").activationBits == 6)
        #expect(layer("stage3.block2.conv2").weightBits == 3 && layer("stage3.block2.conv1").outputBits == 5)
        let changed = Set(zip(uniform, mixed).filter { $0 != $1 }.map(\.1.name))
        // The block-0 add reads the 6-bit stream through its identity shortcut.
        #expect(
            changed
                == [
                    "stem.conv", "stage1.block0.conv1", "stage1.block0.add", "stage2.block0.shortcut.conv",
                    "stage3.block2.conv1", "stage3.block2.conv2",
                ])
        let wide = try layers(input: fashion, width: 2) { _ in Precision.uniform(4) }
        #expect(
            wide.first { $0.name == "stage3.block2.conv2" }!.params == 4 * layer("stage3.block2.conv2").params)
        #expect(throws: (any Error).self) { try ResNetTopology(depth: 20, width: 0, inputChannels: 1, classes: 10) }
    }

    @Test func deeperNetworksAndBadDepths() throws {
        let m32 = try layers(depth: 32, input: cifar, precision: Precision.uniform(8))
        let m56 = try layers(depth: 56, input: cifar, precision: Precision.uniform(8))
        #expect(m32.reduce(0) { $0 + $1.macs } == 69_124_736)
        #expect(m56.reduce(0) { $0 + $1.macs } == 125_747_840)
        #expect(throws: (any Error).self) { try ResNetTopology(depth: 21, inputChannels: 3, classes: 10) }
        #expect(throws: (any Error).self) { try ResNetTopology(name: "vgg16", inputChannels: 3, classes: 10) }
    }

    @Test func peakActivationCountsTheLiveShortcut() throws {
        let profile = try Fixtures.toy()
        let layers = try layers(input: fashion, precision: Precision.uniform(8))
        let cost = try CostModel(profile: profile).cost(layers)
        // At a stage-1 conv2: block input, conv1 output and conv2 output, 16x28x28 each, 8 bits.
        #expect(cost.peakActivationBits == 3 * 16 * 28 * 28 * 8)
        #expect(cost.macs == 31_021_952)
        #expect(cost.bitOps == layers.reduce(0) { $0 + $1.macs * $1.weightBits * $1.activationBits })
    }

    /// `cost --bits` reads the one bit-width-list rule of every command: widths 2...16, and 32
    /// (or fp32) for float, costed as 32-bit operands (docs/cost-model.md).
    @Test func bitListsParse() throws {
        func widths(_ text: String) throws -> [Int] { try BitWidthSet(parsing: text, flag: "--bits").operandWidths }
        #expect(try widths("2-8") == [2, 3, 4, 5, 6, 7, 8])
        #expect(try widths("8,2,4") == [2, 4, 8])
        #expect(try widths("2-3,8") == [2, 3, 8])
        #expect(try widths("2-3,fp32") == [2, 3, 32] && widths("32,4") == [4, 32])
        for bad in ["", "0", "8-2", "a", "2-", "33", "1", "17", "2-32"] {
            #expect(throws: (any Error).self) { try widths(bad) }
        }
    }

    @Test func floatIsCostedAsThirtyTwoBitOperandsNamedFP32() throws {
        let float = try layers(input: cifar, precision: .float, edgeBits: nil)
        #expect(float.dropFirst().allSatisfy { !$0.usesArray || ($0.weightBits == 32 && $0.activationBits == 32) })
        #expect(float[1].precision == .float && float[1].precision.operandDescription == "fp32")
        #expect(Precision(weightBits: nil, activationBits: 8).operandDescription == "fp32x8")
        #expect(Precision.uniform(4).operandDescription == "4x4" && Precision.uniform(4).description == "4-bit")
    }

    /// The residual path decides the stream's widths: `float` carries a 24-bit calibrated stream
    /// with a requantization before every conv1 (what float-residual checkpoints export), `bits(R)`
    /// an R-bit one, `activation` none of that.
    @Test func residualPathsChangeTheStreamOnly() throws {
        let activation = try layers(input: fashion, precision: Precision.uniform(4))
        let float = try layers(input: fashion, precision: Precision.uniform(4), residual: .float)
        let wide = try layers(input: fashion, precision: Precision.uniform(4), residual: .bits(8))
        #expect(activation.count == 32 && float.count == 41 && wide.count == 41)
        let byName = { (list: [LayerWorkload], name: String) in list.first { $0.name == name }! }
        #expect(byName(float, "stage1.block0.add").outputBits == 24 && byName(float, "stem.conv").outputBits == 24)
        #expect(byName(float, "stage1.block0.input").outputBits == 4)
        #expect(
            byName(wide, "stage1.block0.add").outputBits == 8 && byName(wide, "stage2.block0.conv2").outputBits == 8)
        #expect(byName(activation, "stage1.block0.add").outputBits == 4)
        #expect(activation.reduce(0) { $0 + $1.macs } == float.reduce(0) { $0 + $1.macs })
        let toy = try Fixtures.toy()
        let costs = try [activation, wide, float].map { try CostModel(profile: toy).cost($0) }
        #expect(costs[0].peakActivationBits < costs[1].peakActivationBits)
        #expect(costs[1].peakActivationBits < costs[2].peakActivationBits)
    }
}
