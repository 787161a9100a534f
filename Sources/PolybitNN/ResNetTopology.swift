import PolybitTensor

/// The one description of a CIFAR-style ResNet (He et al. 2016, §4.2) as data: a 3×3 stem with
/// 16·width channels; three stages of n = (depth − 2)/6 basic blocks with 16, 32 and 64 (·width)
/// channels, stride 2 in the first block of stages 2 and 3, a projection shortcut (1×1 conv + BN)
/// where the shape changes; global average pooling; a linear classifier.
///
/// The trainable network (`ResNet`), the integer export, the integer network plan that the cost
/// model and `pick` read, and the synthetic benchmark model are all built from this list, so a
/// layer has one name everywhere: `stem.conv`, `stageS.blockB.conv1|conv2|shortcut.conv` (S from 1,
/// B from 0) and `classifier` — the names of checkpoints, precision policies and integer models.
public struct ResNetTopology: Sendable, Hashable {
    /// One basic block: its name prefix (`stage2.block0`), channels and stride.
    public struct Block: Sendable, Hashable {
        public let name: String
        public let inChannels: Int
        public let outChannels: Int
        /// 1, or 2 in the first block of stages 2 and 3.
        public let stride: Int
        /// True when the shortcut is a 1×1 strided conv + BN (the shape changes).
        public var hasProjection: Bool { stride != 1 || inChannels != outChannels }
        public var conv1: String { name + ".conv1" }
        public var conv2: String { name + ".conv2" }
        public var projection: String { name + ".shortcut.conv" }
    }

    /// 6n + 2: 20, 32, 56, ...
    public let depth: Int
    /// Channel multiplier: the stages have 16, 32 and 64 · `width` channels.
    public let width: Int
    /// Channels of the input images.
    public let inputChannels: Int
    /// Classifier outputs.
    public let classes: Int
    /// The blocks in execution order.
    public let blocks: [Block]

    /// The stem conv's name.
    public static let stemName = "stem.conv"
    /// The classifier's name.
    public static let classifierName = "classifier"

    /// - Throws: `InputError` unless depth = 6n + 2 with n ≥ 1, width ≥ 1, and channels and
    ///   classes are positive.
    public init(depth: Int, width: Int = 1, inputChannels: Int, classes: Int) throws {
        guard depth >= 8, (depth - 2) % 6 == 0 else {
            throw InputError("ResNet depth must be 6n+2 (20, 32, 56, ...), found \(depth)")
        }
        guard width >= 1 else { throw InputError("ResNet width must be positive, found \(width)") }
        guard inputChannels >= 1, classes >= 1 else {
            throw InputError("ResNet needs positive input channels and classes, found \(inputChannels) and \(classes)")
        }
        self.depth = depth; self.width = width
        self.inputChannels = inputChannels; self.classes = classes
        var blocks: [Block] = []
        var channels = 16 * width
        for (s, base) in [16, 32, 64].enumerated() {
            for b in 0..<((depth - 2) / 6) {
                let out = base * width
                blocks.append(
                    Block(
                        name: "stage\(s + 1).block\(b)", inChannels: channels, outChannels: out,
                        stride: s > 0 && b == 0 ? 2 : 1))
                channels = out
            }
        }
        self.blocks = blocks
    }

    /// Parses `resnet20`, `resnet32`, `resnet56` (any 6n+2 depth).
    /// - Throws: `InputError` naming the expected spellings otherwise.
    public init(name: String, width: Int = 1, inputChannels: Int, classes: Int) throws {
        let lower = name.lowercased()
        guard lower.hasPrefix("resnet"), let d = Int(lower.dropFirst("resnet".count)) else {
            throw InputError("expected resnet20, resnet32 or resnet56, found \"\(name)\"")
        }
        try self.init(depth: d, width: width, inputChannels: inputChannels, classes: classes)
    }

    /// `resnet<depth>`.
    public var name: String { "resnet\(depth)" }
    /// Channels of the stem's output.
    public var stemChannels: Int { 16 * width }
    /// Channels of the pooled features the classifier reads.
    public var featureChannels: Int { blocks.last!.outChannels }

    /// Every conv and linear layer's name in execution order (stem, each block's conv1, conv2 and
    /// projection, classifier).
    public var weightedLayerNames: [String] {
        [Self.stemName]
            + blocks.flatMap { [$0.conv1, $0.conv2] + ($0.hasProjection ? [$0.projection] : []) }
            + [Self.classifierName]
    }
}
