import PolybitNN
import PolybitTensor

/// One quantizable layer of a network: its name, weight quantizer, the activation quantizer
/// of its input (nil for the stem, whose input stays unquantized) and the BatchNorm of its output.
public struct QuantizedLayer {
    public let name: String
    public let layer: any WeightedLayer
    public let weights: WeightQuantizer
    public let input: ActivationQuantizer?
    /// The BatchNorm that normalizes this layer's output (ResNet convs; nil elsewhere).
    public let norm: BatchNorm2d?
    /// First (stem) or last (classifier) layer: 8 bits unless `quantizeFirstLast`.
    public let isBoundary: Bool
}

/// Quantizers attached to a ResNet or ViT, and the controls that choose its precision.
///
/// Activations are quantized at the inputs of conv/linear layers (a ResNet block's conv1 and
/// projection shortcut share one quantizer, `<block>.input`, as they read the same tensor). A
/// ResNet's residual stream (identity shortcut, the add's terms, block outputs) is quantized as
/// `residual` says (`ResidualPath`; `.float` keeps it float, as in the source papers' code). The
/// stem and classifier run at 8 bits in every configuration unless `quantizeFirstLast` is set; the
/// stem's input is never quantized.
public final class QuantizedNetwork {
    public let model: any ImageClassifier
    public let layers: [QuantizedLayer]
    public var quantizeFirstLast: Bool
    /// Every activation quantizer once (shared ones appear once): layer inputs, then the residual
    /// stream's.
    public let activationQuantizers: [ActivationQuantizer]
    /// How the residual stream is quantized; always `.float` for a ViT (it has no such option).
    public let residual: ResidualPath
    /// The residual stream's quantizers (ResNet; nil for a ViT).
    private let stream: ResidualQuantizers?

    /// Bit-widths the boundary layers use.
    public static let boundaryBits = 8

    /// Attaches quantizers with steps for `bitWidths` (every width that will be trained or deployed),
    /// and a ResNet's residual-stream quantizers for `residual` (a ViT ignores it).
    /// - Throws: `InputError` for a model other than ResNet or ViT, or `.bits` outside 2...16.
    public init(
        model: any ImageClassifier, bitWidths: [Int], options: QuantizerOptions,
        quantizeFirstLast: Bool = false, residual: ResidualPath = .float
    ) throws {
        self.model = model; self.quantizeFirstLast = quantizeFirstLast
        if case .bits(let r) = residual, !ResidualPath.bitsRange.contains(r) {
            throw InputError("residual path of \(r) bits: expected 2...16")
        }
        let widths = Array(Set(bitWidths + [QuantizedNetwork.boundaryBits])).sorted()
        var layers: [QuantizedLayer] = []
        var acts: [ActivationQuantizer] = []
        func attach(
            _ name: String, _ layer: any WeightedLayer, input: ActivationQuantizer?, boundary: Bool,
            norm: BatchNorm2d? = nil
        ) {
            let wq = WeightQuantizer(name: name, weight: layer.weight.value, bitWidths: widths, options: options)
            layer.weightTransform = wq
            layers.append(
                QuantizedLayer(
                    name: name, layer: layer, weights: wq, input: input, norm: norm,
                    isBoundary: boundary))
        }
        func activation(_ name: String, signed: Bool, widths: [Int] = widths) -> ActivationQuantizer {
            let q = ActivationQuantizer(name: name, signed: signed, bitWidths: widths, options: options)
            acts.append(q)
            return q
        }
        var stream: ResidualQuantizers?
        switch model {
        case let net as ResNet:
            attach(ResNetTopology.stemName, net.stem, input: nil, boundary: true, norm: net.stemBN)
            var inputs: [ActivationQuantizer] = []
            for block in net.blocks {
                let prefix = block.conv1.weight.name.replacingSuffix(".conv1.weight")
                let shared = activation(prefix + ".input", signed: false)
                inputs.append(shared)
                block.convInputTransform = shared
                attach(prefix + ".conv1", block.conv1, input: shared, boundary: false, norm: block.bn1)
                let a2 = activation(prefix + ".conv2.input", signed: false)
                block.conv2.inputTransform = a2
                attach(prefix + ".conv2", block.conv2, input: a2, boundary: false, norm: block.bn2)
                if let p = block.projection {
                    attach(prefix + ".shortcut.conv", p.conv, input: shared, boundary: false, norm: p.bn)
                }
            }
            let a = activation("classifier.input", signed: false)
            net.classifier.inputTransform = a
            attach(ResNetTopology.classifierName, net.classifier, input: a, boundary: true)
            stream = ResidualQuantizers(net, path: residual, inputs: inputs, widths: widths) {
                activation($0, signed: $1, widths: $2)
            }
        case let net as ViT:
            attach("embed.proj", net.embedding.projection, input: nil, boundary: true)
            for block in net.blocks {
                for linear in [block.attention.qkv, block.attention.projection, block.fc1, block.fc2] {
                    let name = linear.weight.name.replacingSuffix(".weight")
                    let a = activation(name + ".input", signed: true)
                    linear.inputTransform = a
                    attach(name, linear, input: a, boundary: false)
                }
            }
            let a = activation("head.input", signed: true)
            net.head.inputTransform = a
            attach("head", net.head, input: a, boundary: true)
        default:
            throw InputError("quantization supports ResNet and ViT models, not \(model.architecture)")
        }
        self.layers = layers
        activationQuantizers = acts
        self.stream = stream
        self.residual = stream?.path ?? .float
    }

    /// The activation quantizer called `name` (e.g. `stage1.block0.input`, `stage1.block0.residual`,
    /// `pool.input`), or nil when this network has none of that name.
    public func activationQuantizer(named name: String) -> ActivationQuantizer? {
        activationQuantizers.first { $0.name == name }
    }

    /// Runs every quantized layer at `precision` (boundary layers at 8 bits, or at `precision`
    /// when `quantizeFirstLast`; float stays float everywhere). The residual stream's quantizers run
    /// at the precision's activation bits (under `.bits(R)`, at least R). Switchable BatchNorms, the stem's
    /// included, select the set of the network's weight bit-width (`BatchNorm2d.select(bits:)`).
    public func set(_ precision: Precision) {
        for l in layers {
            let boundary = l.isBoundary && !quantizeFirstLast && precision.weightBits != nil
            l.weights.bits = boundary ? QuantizedNetwork.boundaryBits : precision.weightBits
            if let input = l.input {
                input.bits =
                    (boundary && precision.activationBits != nil)
                    ? QuantizedNetwork.boundaryBits : precision.activationBits
            }
            l.norm?.select(bits: precision.weightBits)
        }
        stream?.followReaders()
    }

    /// Runs each layer at the precision `policy` gives it (boundary layers too: the policy decides).
    /// A switchable BatchNorm selects the set of the weight bit-width of the layer it follows. The
    /// residual stream's quantizers follow the width of the quantizer that reads the block output
    /// (`ResidualQuantizers`: the next block's conv1 activation bits; for the last block and
    /// `pool.input`, the last block's own; under `.bits(R)` at least R).
    public func set(_ policy: PrecisionPolicy) {
        for l in layers {
            let p = policy.precision(of: l.name)
            l.weights.bits = p.weightBits
            l.input?.bits = p.activationBits
            l.norm?.select(bits: p.weightBits)
        }
        stream?.followReaders()
    }

    /// ALRS: every step size at bit-width b learns at `adaptiveStepLearningRate(bits: b, highest: h)`
    /// times the learning rate, h the highest of `trained`. Per-width steps get it as their
    /// `learningRateScale`; the one step that Double Rounding shares across widths weights each
    /// width's gradient by it instead (the same thing for SGD).
    public func applyAdaptiveStepLearningRates(trained: [Int]) {
        guard let highest = trained.max() else { return }
        for l in layers {
            for (b, p) in l.weights.steps {
                let factor = adaptiveStepLearningRate(bits: b, highest: highest)
                p.learningRateScale = factor
                l.weights.sharedStepGradientFactor[b] = factor
            }
        }
        for a in activationQuantizers {
            for (b, p) in a.steps { p.learningRateScale = adaptiveStepLearningRate(bits: b, highest: highest) }
        }
    }

    /// Gives every bit-width outside `trained` data-free steps interpolated from the trained ones.
    public func interpolateUntrainedSteps(trained: [Int]) {
        let withBoundary = Array(Set(trained + [QuantizedNetwork.boundaryBits]))
        for l in layers { l.weights.interpolateUntrainedSteps(trained: l.isBoundary ? withBoundary : trained) }
        let streamQuantizers = stream?.added ?? []
        for a in activationQuantizers {
            let boundary = layers.contains { $0.isBoundary && $0.input === a }
            let inStream = streamQuantizers.contains { $0 === a }
            a.interpolateUntrainedSteps(
                trained: inStream ? stream!.trainedStreamBits(trained) : boundary ? withBoundary : trained)
        }
    }
}

extension String {
    /// The string without `suffix` (unchanged when it does not end with it).
    func replacingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
