import PolybitTensor

/// The layer list of a CIFAR-style ResNet (He et al. 2016, §4.2): a 3×3 stem conv with 16 channels;
/// three stages of n = (depth − 2)/6 basic blocks with 16, 32 and 64 channels, stride 2 at the first
/// block of stages 2 and 3, a projection shortcut (1×1 conv, stride 2, BN folded) where the shape
/// changes; global average pooling; a linear classifier. BN and ReLU are folded into the layers.
public struct CIFARResNet: Sendable, Hashable {
    /// 6n + 2: 20, 32, 56, ...
    public let depth: Int

    /// - Throws: `InputError` unless depth = 6n + 2 with n ≥ 1.
    public init(depth: Int) throws {
        guard depth >= 8, (depth - 2) % 6 == 0 else {
            throw InputError("--network: ResNet depth must be 6n+2 (20, 32, 56, ...), found \(depth)")
        }
        self.depth = depth
    }

    /// Parses `resnet20`, `resnet32`, `resnet56` (any 6n+2 depth).
    /// - Throws: `InputError` naming `--network` otherwise.
    public init(name: String) throws {
        let lower = name.lowercased()
        guard lower.hasPrefix("resnet"), let d = Int(lower.dropFirst("resnet".count)) else {
            throw InputError("--network: expected resnet20, resnet32 or resnet56, found \"\(name)\"")
        }
        try self.init(depth: d)
    }

    /// `resnet<depth>`.
    public var name: String { "resnet\(depth)" }

    /// Layers in execution order for one image of shape `input` (C×H×W).
    ///
    /// The stem and the classifier run at `edgeBits`×`edgeBits` (8x8 by default, ALGORITHMS.md §1;
    /// `nil` runs them at `precision` too), every other conv at `precision`. Activations between
    /// layers are stored at b_a; the pooled features at the classifier's input width; the logits
    /// as 32-bit accumulators.
    public func layers(input: TensorShape, classes: Int, precision: Precision,
                       edgeBits: Int? = 8) -> [LayerWorkload] {
        let n = (depth - 2) / 6
        let bw = precision.weightBits, ba = precision.activationBits
        let edge = edgeBits.map { Precision(uniform: $0) } ?? precision
        var out: [LayerWorkload] = []
        var current = LayerWorkload.conv(
            "stem", input: LayerWorkload.networkInput, inputShape: input, outChannels: 16, kernel: 3,
            padding: 1, weightBits: edge.weightBits, activationBits: edge.activationBits, outputBits: ba)
        out.append(current)
        for (stage, channels) in [16, 32, 64].enumerated() {
            for block in 0..<n {
                let stride = (stage > 0 && block == 0) ? 2 : 1
                let prefix = "s\(stage + 1)b\(block + 1)"
                let blockInput = current
                let conv1 = LayerWorkload.conv(
                    prefix + ".conv1", input: blockInput.name, inputShape: blockInput.outputShape,
                    outChannels: channels, kernel: 3, stride: stride, padding: 1,
                    weightBits: bw, activationBits: ba, outputBits: ba)
                let conv2 = LayerWorkload.conv(
                    prefix + ".conv2", input: conv1.name, inputShape: conv1.outputShape,
                    outChannels: channels, kernel: 3, padding: 1,
                    weightBits: bw, activationBits: ba, outputBits: ba)
                out += [conv1, conv2]
                var shortcut = blockInput.name
                if stride != 1 || blockInput.outputShape.channels != channels {
                    let projection = LayerWorkload.conv(
                        prefix + ".shortcut", input: blockInput.name, inputShape: blockInput.outputShape,
                        outChannels: channels, kernel: 1, stride: stride,
                        weightBits: bw, activationBits: ba, outputBits: ba)
                    out.append(projection)
                    shortcut = projection.name
                }
                current = LayerWorkload.add(prefix + ".add", inputs: [conv2.name, shortcut],
                                            shape: conv2.outputShape, activationBits: ba, outputBits: ba)
                out.append(current)
            }
        }
        let pool = LayerWorkload.globalPool("pool", input: current.name, inputShape: current.outputShape,
                                            activationBits: ba, outputBits: edge.activationBits)
        let fc = LayerWorkload.linear("fc", input: pool.name, inputShape: pool.outputShape,
                                      outFeatures: classes, weightBits: edge.weightBits,
                                      activationBits: edge.activationBits, outputBits: 32)
        return out + [pool, fc]
    }
}
