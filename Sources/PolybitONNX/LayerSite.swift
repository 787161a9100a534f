import PolybitSim

/// One Polybit layer as the graph sees it: ONNX names of its input tensors, their containers and
/// per-image shapes, its output container and the ONNX name to write.
struct LayerSite {
    let layer: IntegerLayer
    let inputs: [String]
    let inputContainers: [ActivationContainer]
    let inputShape: [Int]
    let output: ActivationContainer
    let outputName: String
    let file: String

    /// The ONNX input tensor (first input for every op but `add`).
    var x: String { inputs[0] }
    /// A name for an internal tensor of this layer.
    func local(_ suffix: String) -> String { layer.name + "/" + suffix }
}

/// Kernel, stride and symmetric padding of a convolution-like node.
struct ConvGeometry {
    let kernel: [Int]
    let stride: [Int]
    let padding: [Int]

    init(kernel: [Int], stride: [Int], padding: [Int]) {
        self.kernel = kernel; self.stride = stride; self.padding = padding
    }

    /// The geometry of a conv layer's weights `[O, C, kH, kW]`.
    init(_ w: WeightedLayer) {
        self.init(kernel: Array(w.weightShape.suffix(2)), stride: w.stride, padding: w.padding)
    }

    /// A 1×1 convolution on a 1×1 image (a linear layer reshaped to `[N, I, 1, 1]`).
    static let pointwise = ConvGeometry(kernel: [1, 1], stride: [1, 1], padding: [0, 0])

    /// ONNX attributes `kernel_shape`, `strides`, `pads` (begin then end).
    var attributes: [String: ONNXGraphBuilder.Attribute] {
        ["kernel_shape": .ints(kernel), "strides": .ints(stride), "pads": .ints(padding + padding)]
    }
}
