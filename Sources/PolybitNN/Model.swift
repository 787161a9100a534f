import PolybitTensor

/// A layer whose weights a quantizer can wrap: `Conv2d` or `Linear`.
public protocol WeightedLayer: Layer {
    /// Latent weights; dimension 0 is the output channel.
    var weight: Parameter { get }
    var inputTransform: (any Layer)? { get set }
    var weightTransform: (any WeightTransform)? { get set }
}

extension Conv2d: WeightedLayer {}
extension Linear: WeightedLayer {}

/// An image classifier: NCHW images `[N, C, H, W]` in, logits `[N, classes]` out.
public protocol ImageClassifier: AnyObject {
    /// Architecture name, e.g. "resnet20".
    var architecture: String { get }
    /// Logits for a batch of images.
    func forward(_ images: Tensor, training: Bool) -> Tensor
    /// Backpropagates dLoss/dLogits of the latest training forward into parameter gradients.
    func backward(_ gradLogits: Tensor)
    /// Every parameter and buffer, in a stable order with unique names.
    var parameters: [Parameter] { get }
    /// Convolution and linear layers in forward order: the first is the stem, the last the classifier.
    var weightedLayers: [any WeightedLayer] { get }
    /// Normalization layers in forward order.
    var normLayers: [BatchNorm2d] { get }
}

extension ImageClassifier {
    /// BatchNorm recalibration: replaces every BatchNorm's running statistics (a switchable
    /// BatchNorm's selected set) by the average of its batch statistics over `batches`
    /// (training-mode forwards at the network's current configuration; no parameter changes).
    /// Returns the number of batches used.
    @discardableResult
    public func recalibrateBatchNorm(with batches: some Sequence<Tensor>) -> Int {
        let norms = normLayers, momenta = norms.map(\.momentum)
        defer { for (bn, m) in zip(norms, momenta) { bn.momentum = m } }
        var count = 0
        for images in batches {
            // Momentum 1/(t+1): a cumulative average, the first batch replacing the old statistics.
            for bn in norms { bn.momentum = 1 / Float(count + 1) }
            _ = forward(images, training: true)
            count += 1
        }
        return count
    }
}
