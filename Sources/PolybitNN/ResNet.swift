import PolybitTensor

/// The basic residual block: conv3x3–BN–ReLU–conv3x3–BN, plus the shortcut (identity, or a
/// 1x1 strided conv + BN when the shape changes), then ReLU. CNHW in and out.
///
/// Optional transforms (quantizers, set by PolybitQuant) act on the tensors of the residual
/// path; with none set and `identityReadsConvInput` false the block is plain float.
public final class BasicBlock: Layer {
    public let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
    public let projection: (conv: Conv2d, bn: BatchNorm2d)?
    /// Applied once to the block input for conv1 and the projection (which read the same tensor);
    /// the identity shortcut carries the untransformed input unless `identityReadsConvInput`.
    public var convInputTransform: (any Layer)?
    /// The identity shortcut reads `convInputTransform`'s output instead of the block input;
    /// backward then passes the sum of the identity's and the convs' gradients through the
    /// transform once.
    public var identityReadsConvInput = false
    /// Applied to the bn2 output (the "residual", before the add).
    public var residualTransform: (any Layer)?
    /// Applied to the projection's BN output (the "shortcut", before the add; projection blocks).
    public var shortcutTransform: (any Layer)?
    /// Applied to the block output (after the add and ReLU).
    public var outputTransform: (any Layer)?
    /// Called in forward with the block's intermediate tensors as the add and the next block see
    /// them, after their transforms ("residual" = bn2 output before the add, "shortcut" = the
    /// projection's output, "output"), e.g. to calibrate ranges.
    public var observer: ((String, Tensor) -> Void)?
    private let outputReLU = ReLU()
    public init(name: String, inChannels: Int, outChannels: Int, stride: Int, rng: inout SeededRNG) {
        conv1 = Conv2d(
            name: name + ".conv1", inChannels: inChannels, outChannels: outChannels,
            kernel: 3, stride: stride, padding: 1, rng: &rng)
        bn1 = BatchNorm2d(name: name + ".bn1", channels: outChannels, appliesReLU: true)
        conv2 = Conv2d(
            name: name + ".conv2", inChannels: outChannels, outChannels: outChannels,
            kernel: 3, stride: 1, padding: 1, rng: &rng)
        bn2 = BatchNorm2d(name: name + ".bn2", channels: outChannels)
        if stride != 1 || inChannels != outChannels {
            projection = (
                Conv2d(
                    name: name + ".shortcut.conv", inChannels: inChannels, outChannels: outChannels,
                    kernel: 1, stride: stride, rng: &rng),
                BatchNorm2d(name: name + ".shortcut.bn", channels: outChannels)
            )
        } else {
            projection = nil
        }
    }

    public var parameters: [Parameter] {
        let transforms = [convInputTransform, residualTransform, shortcutTransform, outputTransform]
        return conv1.parameters + bn1.parameters + conv2.parameters + bn2.parameters
            + (projection.map { $0.conv.parameters + $0.bn.parameters } ?? [])
            + transforms.flatMap { $0?.parameters ?? [] }
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let xq = convInputTransform?.forward(x, training: training) ?? x
        let a = bn1.forward(conv1.forward(xq, training: training), training: training)
        var b = bn2.forward(conv2.forward(a, training: training), training: training)
        if let t = residualTransform { b = t.forward(b, training: training) }
        let s: Tensor
        if let p = projection {
            let projected = p.bn.forward(p.conv.forward(xq, training: training), training: training)
            s = shortcutTransform?.forward(projected, training: training) ?? projected
        } else {
            s = identityReadsConvInput ? xq : x
        }
        var y = outputReLU.forward(b, adding: s, training: training)
        if let t = outputTransform { y = t.forward(y, training: training) }
        if let observer {
            observer("residual", b)
            if projection != nil { observer("shortcut", s) }
            observer("output", y)
        }
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        let d = outputReLU.backward(outputTransform?.backward(gradOutput) ?? gradOutput)
        let db = residualTransform?.backward(d) ?? d
        let da = conv2.backward(bn2.backward(db))
        var dq = conv1.backward(bn1.backward(da))
        if let p = projection {
            dq = dq + p.conv.backward(p.bn.backward(shortcutTransform?.backward(d) ?? d))
            return convInputTransform?.backward(dq) ?? dq
        }
        if identityReadsConvInput {
            dq = dq + d
            return convInputTransform?.backward(dq) ?? dq
        }
        return (convInputTransform?.backward(dq) ?? dq) + d
    }
}

/// CIFAR-style ResNet (He et al. 2016, §4.2) for any input size: a 3x3 stem with 16·width
/// channels, three stages of `(depth − 2) / 6` basic blocks with 16/32/64·width channels (stride 2
/// at stages 2 and 3, projection shortcuts), global average pooling and a linear classifier.
/// ResNet-20 has 0.27 M parameters at width 1.
public final class ResNet: ImageClassifier {
    public let architecture: String
    public let stem: Conv2d, stemBN: BatchNorm2d
    public let blocks: [BasicBlock]
    public let classifier: Linear
    private let pool = GlobalAvgPool()
    /// Applied to the stem's ReLU output (the first block's input).
    public var stemOutputTransform: (any Layer)?
    /// Applied to the last block's output before the global pool.
    public var poolInputTransform: (any Layer)?
    /// Called in forward with "stem" (the stem's ReLU output, after `stemOutputTransform`) and
    /// "logits".
    public var observer: ((String, Tensor) -> Void)?

    /// The description this network was built from (layer names, channels, strides).
    public let topology: ResNetTopology

    /// Builds the trainable layers of `topology`, initialized from `seed`.
    public init(topology: ResNetTopology, seed: UInt64) {
        self.topology = topology
        architecture = topology.name
        var rng = SeededRNG(seed: seed)
        stem = Conv2d(
            name: ResNetTopology.stemName, inChannels: topology.inputChannels, outChannels: topology.stemChannels,
            kernel: 3, padding: 1, rng: &rng)
        stem.needsInputGradient = false
        stemBN = BatchNorm2d(name: "stem.bn", channels: topology.stemChannels, appliesReLU: true)
        blocks = topology.blocks.map {
            BasicBlock(
                name: $0.name, inChannels: $0.inChannels, outChannels: $0.outChannels, stride: $0.stride, rng: &rng)
        }
        classifier = Linear(
            name: ResNetTopology.classifierName, inFeatures: topology.featureChannels, outFeatures: topology.classes,
            rng: &rng)
    }

    /// - Parameters: depth 6n+2 (20, 32, 56, ...); `inputChannels` of the images; `classes`;
    ///   `width` multiplies every stage's channels.
    public convenience init(depth: Int, inputChannels: Int, classes: Int, width: Int = 1, seed: UInt64) {
        do {
            let topology = try ResNetTopology(
                depth: depth, width: width, inputChannels: inputChannels, classes: classes)
            self.init(topology: topology, seed: seed)
        } catch {
            preconditionFailure("\(error)")
        }
    }

    public var parameters: [Parameter] {
        stem.parameters + stemBN.parameters + (stemOutputTransform?.parameters ?? []) + blocks.flatMap(\.parameters)
            + (poolInputTransform?.parameters ?? []) + classifier.parameters
    }

    public var weightedLayers: [any WeightedLayer] {
        var layers: [any WeightedLayer] = [stem]
        for b in blocks {
            layers.append(b.conv1); layers.append(b.conv2)
            if let p = b.projection { layers.append(p.conv) }
        }
        layers.append(classifier)
        return layers
    }

    public var normLayers: [BatchNorm2d] {
        [stemBN] + blocks.flatMap { [$0.bn1, $0.bn2] + ($0.projection.map { [$0.bn] } ?? []) }
    }

    public func forward(_ images: Tensor, training: Bool) -> Tensor {
        var x = Layout.swapOuter(images)
        x = stemBN.forward(stem.forward(x, training: training), training: training)
        if let t = stemOutputTransform { x = t.forward(x, training: training) }
        observer?("stem", x)
        for b in blocks { x = b.forward(x, training: training) }
        if let t = poolInputTransform { x = t.forward(x, training: training) }
        let logits = classifier.forward(pool.forward(x, training: training), training: training)
        observer?("logits", logits)
        return logits
    }

    public func backward(_ gradLogits: Tensor) {
        var d = pool.backward(classifier.backward(gradLogits))
        if let t = poolInputTransform { d = t.backward(d) }
        for b in blocks.reversed() { d = b.backward(d) }
        if let t = stemOutputTransform { d = t.backward(d) }
        _ = stem.backward(stemBN.backward(d))
    }
}
