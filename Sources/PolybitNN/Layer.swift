import PolybitTensor

/// A differentiable layer with explicit forward and backward passes.
///
/// `forward(_:training:)` caches what `backward` needs when `training` is true; `backward` takes
/// dLoss/dOutput of the latest training forward, adds parameter gradients into `Parameter.grad`
/// and returns dLoss/dInput. Layers are reference types holding their parameters and caches.
public protocol Layer: AnyObject {
    /// Output for input `x`; shapes are documented per layer.
    func forward(_ x: Tensor, training: Bool) -> Tensor
    /// Gradient with respect to the input of the latest training forward.
    func backward(_ gradOutput: Tensor) -> Tensor
    /// Every parameter and buffer of this layer and its children, in a stable order.
    var parameters: [Parameter] { get }
}

/// A transformation of a layer's latent weights into the weights its forward uses (e.g. a
/// quantizer with bias correction). Set on `Conv2d` / `Linear` by the quantization module.
public protocol WeightTransform: AnyObject {
    /// Effective weights for latent `weight` (same shape; dimension 0 is the output channel).
    func forward(_ weight: Tensor, training: Bool) -> Tensor
    /// dLoss/dLatent for dLoss/dEffective of the latest forward; accumulates own parameter grads.
    func backward(_ gradEffective: Tensor) -> Tensor
    /// Trainable state of the transform (e.g. step sizes).
    var parameters: [Parameter] { get }
}

/// Layers applied one after another.
public final class Sequential: Layer {
    public var layers: [any Layer]
    public init(_ layers: [any Layer]) { self.layers = layers }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        layers.reduce(x) { $1.forward($0, training: training) }
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        layers.reversed().reduce(gradOutput) { $1.backward($0) }
    }

    public var parameters: [Parameter] { layers.flatMap(\.parameters) }
}
