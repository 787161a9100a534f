import PolybitQuant
import PolybitTensor

/// The layer list of a CIFAR-style ResNet (He et al. 2016, §4.2): a 3×3 stem conv with 16·width
/// channels; three stages of n = (depth − 2)/6 basic blocks with 16, 32 and 64 (·width) channels,
/// stride 2 at the first block of stages 2 and 3, a projection shortcut (1×1 conv, stride 2, BN
/// folded) where the shape changes; global average pooling; a linear classifier. BN and ReLU are
/// folded into the layers.
public struct CIFARResNet: Sendable, Hashable {
    /// 6n + 2: 20, 32, 56, ...
    public let depth: Int
    /// Channel multiplier: the stages have 16, 32 and 64 · `width` channels.
    public let width: Int

    /// - Throws: `InputError` unless depth = 6n + 2 with n ≥ 1 and width ≥ 1.
    public init(depth: Int, width: Int = 1) throws {
        guard depth >= 8, (depth - 2) % 6 == 0 else {
            throw InputError("--network: ResNet depth must be 6n+2 (20, 32, 56, ...), found \(depth)")
        }
        guard width >= 1 else { throw InputError("--network: ResNet width must be positive, found \(width)") }
        self.depth = depth
        self.width = width
    }

    /// Parses `resnet20`, `resnet32`, `resnet56` (any 6n+2 depth).
    /// - Throws: `InputError` naming `--network` otherwise.
    public init(name: String, width: Int = 1) throws {
        let lower = name.lowercased()
        guard lower.hasPrefix("resnet"), let d = Int(lower.dropFirst("resnet".count)) else {
            throw InputError("--network: expected resnet20, resnet32 or resnet56, found \"\(name)\"")
        }
        try self.init(depth: d, width: width)
    }

    /// `resnet<depth>`.
    public var name: String { "resnet\(depth)" }

    /// Layers in execution order for one image of shape `input` (C×H×W).
    ///
    /// The stem and the classifier run at `edgeBits`×`edgeBits` (8x8 by default, ALGORITHMS.md §1;
    /// `nil` runs them at `precision` too), every other conv at `precision`. Activations between
    /// layers are stored at b_a; the pooled features at the classifier's input width; the logits
    /// as 32-bit accumulators.
    public func layers(
        input: TensorShape, classes: Int, precision: Precision,
        edgeBits: Int? = 8
    ) -> [LayerWorkload] {
        let edge = edgeBits.map { Precision(operandBits: $0, $0) } ?? precision
        return layers(input: input, classes: classes) {
            $0 == Self.stemName || $0 == Self.classifierName ? edge : precision
        }
    }

    /// The trained model's name of the stem conv (checkpoints and precision policies).
    public static let stemName = "stem.conv"
    /// The trained model's name of the classifier.
    public static let classifierName = "classifier"

    /// Layers in execution order for one image of shape `input` (C×H×W), each conv and the
    /// classifier at the precision `precisionOf` gives for its name in the trained model
    /// (`stem.conv`, `stageS.blockB.conv1|conv2|shortcut.conv` with S from 1 and B from 0,
    /// `classifier`: the names of checkpoints and precision policies). Workloads keep their short
    /// names (`stem`, `s1b1.conv1`, `s2b1.shortcut`, `fc`).
    ///
    /// A tensor is stored at the activation width of the layer that reads it: a conv's output at
    /// its consumer's b_a, a block's output at the next block's conv1 b_a (the last block's at its
    /// own conv1 b_a), the pooled features at the classifier's b_a; the logits as 32-bit
    /// accumulators. With one precision everywhere this is the uniform network above.
    public func layers(input: TensorShape, classes: Int, precisionOf: (String) -> Precision) -> [LayerWorkload] {
        let n = (depth - 2) / 6
        let blocks = (1...3).flatMap { stage in (0..<n).map { (stage: stage, block: $0) } }
        func blockName(_ i: Int) -> String { "stage\(blocks[i].stage).block\(blocks[i].block)" }
        func blockInputBits(_ i: Int) -> Int {
            precisionOf(blockName(min(i, blocks.count - 1)) + ".conv1").activationOperandBits
        }
        let stem = precisionOf(Self.stemName), classifier = precisionOf(Self.classifierName)
        var out: [LayerWorkload] = []
        var current = LayerWorkload.conv(
            "stem", input: LayerWorkload.networkInput, inputShape: input, outChannels: 16 * width, kernel: 3,
            padding: 1, weightBits: stem.weightOperandBits, activationBits: stem.activationOperandBits,
            outputBits: blockInputBits(0))
        out.append(current)
        for (i, position) in blocks.enumerated() {
            let channels = [16, 32, 64][position.stage - 1] * width
            let stride = (position.stage > 1 && position.block == 0) ? 2 : 1
            let prefix = "s\(position.stage)b\(position.block + 1)"
            let p1 = precisionOf(blockName(i) + ".conv1"), p2 = precisionOf(blockName(i) + ".conv2")
            let outputBits = blockInputBits(i + 1)
            let blockInput = current
            let conv1 = LayerWorkload.conv(
                prefix + ".conv1", input: blockInput.name, inputShape: blockInput.outputShape,
                outChannels: channels, kernel: 3, stride: stride, padding: 1,
                weightBits: p1.weightOperandBits, activationBits: p1.activationOperandBits,
                outputBits: p2.activationOperandBits)
            let conv2 = LayerWorkload.conv(
                prefix + ".conv2", input: conv1.name, inputShape: conv1.outputShape,
                outChannels: channels, kernel: 3, padding: 1,
                weightBits: p2.weightOperandBits, activationBits: p2.activationOperandBits, outputBits: outputBits)
            out += [conv1, conv2]
            var shortcut = blockInput.name
            if stride != 1 || blockInput.outputShape.channels != channels {
                let ps = precisionOf(blockName(i) + ".shortcut.conv")
                let projection = LayerWorkload.conv(
                    prefix + ".shortcut", input: blockInput.name, inputShape: blockInput.outputShape,
                    outChannels: channels, kernel: 1, stride: stride,
                    weightBits: ps.weightOperandBits, activationBits: ps.activationOperandBits, outputBits: outputBits)
                out.append(projection)
                shortcut = projection.name
            }
            current = LayerWorkload.add(
                prefix + ".add", inputs: [conv2.name, shortcut],
                shape: conv2.outputShape, activationBits: outputBits, outputBits: outputBits)
            out.append(current)
        }
        let pool = LayerWorkload.globalPool(
            "pool", input: current.name, inputShape: current.outputShape,
            activationBits: current.outputBits, outputBits: classifier.activationOperandBits)
        let fc = LayerWorkload.linear(
            "fc", input: pool.name, inputShape: pool.outputShape,
            outFeatures: classes, weightBits: classifier.weightOperandBits,
            activationBits: classifier.activationOperandBits, outputBits: 32)
        return out + [pool, fc]
    }
}
