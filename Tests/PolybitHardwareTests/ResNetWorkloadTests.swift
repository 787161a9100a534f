import PolybitHardware
import PolybitQuant
import Testing

@Suite struct ResNetWorkloadTests {
    let cifar = TensorShape(channels: 3, height: 32, width: 32)
    let fashion = TensorShape(channels: 1, height: 28, width: 28)

    @Test func resnet20MACsMatchThePublishedFigure() throws {
        let layers = try CIFARResNet(depth: 20).layers(input: cifar, classes: 10, precision: Precision.uniform(4))
        let macs = layers.reduce(0) { $0 + $1.macs }
        // stem 16·1024·27 = 442368; stage 1: 6 · 16·1024·144; stage 2: 32·256·144 + 5 · 32·256·288
        // + shortcut 32·256·16; stage 3: 64·64·288 + 5 · 64·64·576 + shortcut 64·64·32; fc 640.
        #expect(macs == 40_813_184)
        #expect(abs(Double(macs) - 40.8e6) / 40.8e6 < 0.03)  // ANCHORS.md: 40.8 M
        let fm = try CIFARResNet(depth: 20).layers(input: fashion, classes: 10, precision: Precision.uniform(4))
        #expect(fm.reduce(0) { $0 + $1.macs } == 31_021_952)  // ANCHORS.md: about 31 M
    }

    @Test func resnet20Structure() throws {
        let layers = try CIFARResNet(name: "resnet20").layers(
            input: cifar, classes: 10, precision: Precision.uniform(4))
        // stem + 9 blocks · (2 convs + add) + 2 projections + pool + fc.
        #expect(layers.count == 32)
        #expect(layers.filter { $0.kind == .conv }.count == 21)
        #expect(layers.reduce(0) { $0 + $1.params } == 270_896)  // the usual 0.27 M
        // Stem and classifier at 8x8 by default, the rest at the chosen precision.
        #expect(layers.first!.weightBits == 8 && layers.last!.activationBits == 8)
        #expect(layers[1].weightBits == 4 && layers[1].activationBits == 4)
        let projection = layers.first { $0.name == "s2b1.shortcut" }!
        #expect(projection.kernelHeight == 1 && projection.stride == 2)
        #expect(projection.outputShape == TensorShape(channels: 32, height: 16, width: 16))
        let add = layers.first { $0.name == "s2b1.add" }!
        #expect(add.inputs == ["s2b1.conv2", "s2b1.shortcut"])
        #expect(layers.first { $0.name == "s1b2.add" }!.inputs == ["s1b2.conv2", "s1b1.add"])
        #expect(layers.last!.outputShape.channels == 10)
        let uniform = try CIFARResNet(depth: 20).layers(
            input: cifar, classes: 10, precision: Precision.uniform(4), edgeBits: nil)
        #expect(uniform.first!.weightBits == 4)
    }

    /// Per-layer precisions by the trained model's names: one precision everywhere is the uniform
    /// list; a layer's change lands on its workload and on the stored width of the tensor it reads.
    @Test func perLayerPrecisionsByTrainedNames() throws {
        let net = try CIFARResNet(depth: 20)
        let uniform = net.layers(input: fashion, classes: 10, precision: Precision.uniform(4))
        let same = net.layers(input: fashion, classes: 10) {
            $0 == "stem.conv" || $0 == "classifier" ? Precision.uniform(8) : Precision.uniform(4)
        }
        #expect(same == uniform)
        var asked: [String] = []
        let mixed = net.layers(input: fashion, classes: 10) { name in
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
        #expect(layer("s2b1.shortcut").weightBits == 2 && layer("s2b1.conv1").weightBits == 4)
        #expect(layer("stem").outputBits == 6, "the stem's output is stored at the width its reader quantizes to")
        #expect(layer("s1b1.conv1").activationBits == 6)
        #expect(layer("s3b3.conv2").weightBits == 3 && layer("s3b3.conv1").outputBits == 5)
        let changed = Set(zip(uniform, mixed).filter { $0 != $1 }.map(\.1.name))
        #expect(changed == ["stem", "s1b1.conv1", "s2b1.shortcut", "s3b3.conv1", "s3b3.conv2"])
        let wide = try CIFARResNet(name: "resnet20", width: 2).layers(
            input: fashion, classes: 10, precision: Precision.uniform(4))
        #expect(wide.first { $0.name == "s3b3.conv2" }!.params == 4 * layer("s3b3.conv2").params)
        #expect(throws: (any Error).self) { try CIFARResNet(depth: 20, width: 0) }
    }

    @Test func deeperNetworksAndBadDepths() throws {
        let m32 = try CIFARResNet(depth: 32).layers(input: cifar, classes: 10, precision: Precision.uniform(8))
        let m56 = try CIFARResNet(depth: 56).layers(input: cifar, classes: 10, precision: Precision.uniform(8))
        #expect(m32.reduce(0) { $0 + $1.macs } == 69_124_736)
        #expect(m56.reduce(0) { $0 + $1.macs } == 125_747_840)
        #expect(throws: (any Error).self) { try CIFARResNet(depth: 21) }
        #expect(throws: (any Error).self) { try CIFARResNet(name: "vgg16") }
    }

    @Test func peakActivationCountsTheLiveShortcut() throws {
        let profile = try Fixtures.toy()
        let layers = try CIFARResNet(depth: 20).layers(input: fashion, classes: 10, precision: Precision.uniform(8))
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
        let float = try CIFARResNet(depth: 20).layers(input: cifar, classes: 10, precision: .float, edgeBits: nil)
        #expect(float.allSatisfy { !$0.usesArray || ($0.weightBits == 32 && $0.activationBits == 32) })
        #expect(float[0].precision == .float && float[0].precision.operandDescription == "fp32")
        #expect(Precision(weightBits: nil, activationBits: 8).operandDescription == "fp32x8")
        #expect(Precision.uniform(4).operandDescription == "4x4" && Precision.uniform(4).description == "4-bit")
    }
}
