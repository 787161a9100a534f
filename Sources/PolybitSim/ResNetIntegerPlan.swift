import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor

/// The integer network that a ResNet lowers to, before any number is known: every layer's name,
/// operation, inputs and output format (bits, signedness, where its scale comes from).
///
/// One plan serves every consumer, so they cannot disagree: `ResNetExporter` fills it from a
/// trained network, the cost model and `pick` cost it (with placeholder values), and the
/// synthetic benchmark model fills it with random values. What the plan decides:
/// - the input is 8-bit unsigned pixels; the stem reads it at 8 bits whatever its policy says;
/// - a conv's output is stored at the activation width of the conv that reads it;
/// - the residual stream follows `ResidualPath`: `float` keeps today's export (a `<block>.input`
///   requantization from a `floatBits` calibrated stream), `activation` stores each block's
///   output at the next block's input width (the last block's at its own conv1 input width, as
///   `pool.input`), `bits(R)` at max(R, that width) with a requantization before conv1;
/// - the pooled features at the classifier's input width; the logits at `floatBits`, calibrated.
public struct ResNetIntegerPlan: Sendable {
    /// Where a tensor's scale comes from.
    public enum ScaleSource: Sendable, Hashable {
        /// The model input: the dataset normalization decides it.
        case input
        /// The step of the named activation quantizer at the tensor's bits.
        case quantizer(String)
        /// max |value| of the named float tensor over calibration images, with headroom.
        case calibrated(String)
    }

    /// A tensor's format: bits, signedness and the source of its scale.
    public struct Tensor: Sendable, Hashable {
        public var bits: Int
        public var signed: Bool
        public var scale: ScaleSource
    }

    /// What a planned layer computes.
    public enum Operation: Sendable, Hashable {
        /// The trained conv or linear layer of the same name.
        case weighted(Weighted)
        /// A 1×1 average pool: requantizes its input to the output grid.
        case requantize
        /// The residual add (with the block's output ReLU as the unsigned output's clamp).
        case add
        /// Global average pooling over the plane of `pixels` values.
        case globalPool(pixels: Int)
    }

    /// Geometry and weight width of a conv (`kernel` > 0) or linear (`kernel` 0) layer.
    public struct Weighted: Sendable, Hashable {
        public var inChannels: Int
        public var outChannels: Int
        public var kernel: Int
        public var stride: Int
        public var padding: Int
        public var weightBits: Int
        /// Weight shape `[O, C, k, k]` (conv) or `[O, C]` (linear).
        public var weightShape: [Int] {
            kernel == 0 ? [outChannels, inChannels] : [outChannels, inChannels, kernel, kernel]
        }
    }

    /// One integer layer: its name, operation, the tensors it reads and the tensor it writes.
    public struct Layer: Sendable, Hashable {
        public var name: String
        public var operation: Operation
        public var inputs: [String]
        public var output: Tensor
    }

    public let topology: ResNetTopology
    /// `[C, H, W]` of one input image.
    public let inputShape: [Int]
    public let residual: ResidualPath
    /// The model input's format.
    public let input: Tensor
    /// Layers in execution order.
    public private(set) var layers: [Layer] = []

    /// Bits of the tensors training kept in float (the `float` stream, the logits) by default.
    public static let defaultFloatBits = 24

    /// Plans `topology` on `inputShape` images with each conv/linear at the precision `precisionOf`
    /// gives for its trained name (float precisions count as 32-bit operands, for costing).
    /// - Throws: `InputError` when `inputShape` is not `[C, H, W]` with the topology's channels.
    public init(
        topology: ResNetTopology, inputShape: [Int], residual: ResidualPath,
        floatBits: Int = ResNetIntegerPlan.defaultFloatBits, precisionOf: (String) -> Precision
    ) throws {
        guard inputShape.count == 3, inputShape[0] == topology.inputChannels, inputShape.allSatisfy({ $0 > 0 }) else {
            throw InputError(
                "a \(topology.name) with \(topology.inputChannels) input channels cannot read images shaped \(inputShape)"
            )
        }
        self.topology = topology; self.inputShape = inputShape; self.residual = residual
        input = Tensor(bits: 8, signed: false, scale: .input)
        let precisions = Dictionary(uniqueKeysWithValues: topology.weightedLayerNames.map { ($0, precisionOf($0)) })
        var builder = Builder(topology: topology, residual: residual, floatBits: floatBits, precisions: precisions)
        layers = builder.build(inputShape: inputShape)
    }

    /// The planned layer named `name`.
    public func layer(named name: String) -> Layer? { layers.first { $0.name == name } }

    /// The integer tensor that stores activation quantizer `quantizer`'s codes (e.g. the stem's
    /// output carries `stage1.block0.input` on the activation path), or nil when none does.
    public func tensor(carrying quantizer: String) -> String? {
        layers.first { $0.output.scale == .quantizer(quantizer) }?.name
    }
}

extension ResNetIntegerPlan {
    /// Walks the topology once, appending planned layers.
    fileprivate struct Builder {
        let topology: ResNetTopology
        let residual: ResidualPath
        let floatBits: Int
        /// Every conv/linear layer's precision, by trained name.
        let precisions: [String: Precision]
        var layers: [Layer] = []

        func weightBits(_ name: String) -> Int { precisions[name]!.weightOperandBits }
        func inputBits(_ name: String) -> Int { precisions[name]!.activationOperandBits }

        /// The stored format of a stream tensor read by a conv whose inputs are `readerBits` wide.
        func stream(readerBits: Int, signed: Bool, quantizer: String, calibrated key: String) -> Tensor {
            guard let bits = residual.streamBits(readerBits: readerBits) else {
                return Tensor(bits: floatBits, signed: signed, scale: .calibrated(key))
            }
            return Tensor(bits: bits, signed: signed, scale: .quantizer(quantizer))
        }

        mutating func weighted(
            _ name: String, from source: String, in inChannels: Int, out: Int, kernel: Int, stride: Int = 1,
            output: Tensor
        ) {
            let geometry = Weighted(
                inChannels: inChannels, outChannels: out, kernel: kernel, stride: stride, padding: kernel / 2,
                weightBits: weightBits(name))
            layers.append(Layer(name: name, operation: .weighted(geometry), inputs: [source], output: output))
        }

        mutating func build(inputShape: [Int]) -> [Layer] {
            let blocks = topology.blocks
            let first = blocks[0]
            let stemOutput = stream(
                readerBits: inputBits(first.conv1), signed: false,
                quantizer: residual == .activation ? first.name + ".input" : "stem.output", calibrated: "stem")
            weighted(
                ResNetTopology.stemName, from: IntegerModel.inputName, in: topology.inputChannels,
                out: topology.stemChannels, kernel: 3, output: stemOutput)
            var current = ResNetTopology.stemName
            var height = inputShape[1], width = inputShape[2]
            for (i, block) in blocks.enumerated() {
                let next = i + 1 < blocks.count ? blocks[i + 1] : nil
                current = appendBlock(block, index: i, next: next, after: current)
                if block.stride == 2 { height = (height - 1) / 2 + 1; width = (width - 1) / 2 + 1 }
            }
            let classifierInput = Tensor(
                bits: inputBits(ResNetTopology.classifierName), signed: false, scale: .quantizer("classifier.input"))
            layers.append(
                Layer(
                    name: "pool", operation: .globalPool(pixels: height * width), inputs: [current],
                    output: classifierInput))
            weighted(
                ResNetTopology.classifierName, from: "pool", in: topology.featureChannels, out: topology.classes,
                kernel: 0, output: Tensor(bits: floatBits, signed: true, scale: .calibrated("logits")))
            return layers
        }

        /// Appends block `i` reading tensor `previous`; returns the name of its output tensor.
        mutating func appendBlock(
            _ block: ResNetTopology.Block, index i: Int, next: ResNetTopology.Block?, after previous: String
        ) -> String {
            let reader = next?.conv1 ?? block.conv1
            let key = "block\(i)"
            var convInput = previous
            if residual != .activation {
                // The stream is wider than conv1's input grid: requantize it (a 1×1 average pool).
                convInput = block.name + ".input"
                layers.append(
                    Layer(
                        name: convInput, operation: .requantize, inputs: [previous],
                        output: Tensor(bits: inputBits(block.conv1), signed: false, scale: .quantizer(convInput))))
            }
            weighted(
                block.conv1, from: convInput, in: block.inChannels, out: block.outChannels, kernel: 3,
                stride: block.stride,
                output: Tensor(bits: inputBits(block.conv2), signed: false, scale: .quantizer(block.conv2 + ".input")))
            let readerBits = inputBits(reader)
            weighted(
                block.conv2, from: block.conv1, in: block.outChannels, out: block.outChannels, kernel: 3,
                output: stream(
                    readerBits: readerBits, signed: true, quantizer: block.name + ".residual",
                    calibrated: key + ".residual"))
            var shortcut = previous
            if block.hasProjection {
                shortcut = block.projection
                weighted(
                    block.projection, from: convInput, in: block.inChannels, out: block.outChannels, kernel: 1,
                    stride: block.stride,
                    output: stream(
                        readerBits: readerBits, signed: true, quantizer: block.name + ".shortcut",
                        calibrated: key + ".shortcut"))
            }
            let outputQuantizer =
                residual == .activation ? (next.map { $0.name + ".input" } ?? "pool.input") : block.name + ".output"
            layers.append(
                Layer(
                    name: block.name + ".add", operation: .add, inputs: [block.conv2, shortcut],
                    output: stream(
                        readerBits: readerBits, signed: false, quantizer: outputQuantizer,
                        calibrated: key + ".output")))
            return block.name + ".add"
        }
    }
}

extension ResNetIntegerPlan {
    /// Every conv at `precision`, the stem and classifier at `edgeBits`×`edgeBits` (nil: at
    /// `precision` too; ALGORITHMS.md §1 keeps them at 8 bits).
    public init(
        topology: ResNetTopology, inputShape: [Int], residual: ResidualPath, precision: Precision,
        edgeBits: Int? = QuantizedNetwork.boundaryBits
    ) throws {
        let edge = edgeBits.map { Precision(operandBits: $0, $0) } ?? precision
        try self.init(topology: topology, inputShape: inputShape, residual: residual) {
            $0 == ResNetTopology.stemName || $0 == ResNetTopology.classifierName ? edge : precision
        }
    }
}
