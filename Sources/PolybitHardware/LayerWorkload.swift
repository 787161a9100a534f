import PolybitQuant
import PolybitTensor

/// What a layer does, as far as the cost model cares.
public enum LayerKind: String, Sendable, Hashable, Codable {
    /// 2-D convolution (MACs on the array).
    case conv
    /// Fully connected layer (MACs on the array; batch 1, so one output pixel).
    case linear
    /// Elementwise sum of its inputs (a residual join); no MACs, one add per output element per extra input.
    case add
    /// Average pooling; no MACs, one add per input element.
    case pool

    /// True for the kinds that run on the MAC array (conv, linear).
    public var usesArray: Bool { self == .conv || self == .linear }
}

/// Channels × height × width of one activation tensor (batch 1).
public struct TensorShape: Sendable, Hashable, Codable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    /// Number of elements (C·H·W).
    public var elements: Int { channels * height * width }

    /// `CxHxW`, e.g. `3x32x32`.
    public var description: String { "\(channels)x\(height)x\(width)" }
}

/// One layer of a network as the cost model sees it: shapes, kernel geometry and the bit-widths
/// it runs at. This is the type an integer-model adapter fills, one per layer in execution order.
///
/// Tensors are named by the layer that produces them; `inputs` lists producer names, and the
/// reserved name ``LayerWorkload/networkInput`` is the network's input. The cost model derives
/// tensor liveness (for peak activation memory and on-chip residency) from these names.
public struct LayerWorkload: Sendable, Hashable {
    /// The name of the network input tensor in `inputs`.
    public static let networkInput = "input"

    /// Unique layer name; also the name of its output tensor.
    public var name: String
    public var kind: LayerKind
    /// Producer names of the input tensors (the first is the main input; an `add` has two or more).
    public var inputs: [String]
    /// Shape of each input tensor (all inputs of an `add` have this shape).
    public var inputShape: TensorShape
    public var outputShape: TensorShape
    /// Kernel height and width in elements (1 for `linear` and `add`; the window for `pool`).
    public var kernelHeight: Int
    public var kernelWidth: Int
    public var stride: Int
    /// Zero padding on each side, in elements.
    public var padding: Int
    /// Convolution groups (1 = dense; `channels` = depthwise).
    public var groups: Int
    /// Weight bit-width b_w (ignored for `add` and `pool`).
    public var weightBits: Int
    /// Input activation bit-width b_a.
    public var activationBits: Int
    /// Bit-width of the output tensor as stored for the next layer.
    public var outputBits: Int
    /// Number of weights (bias excluded; 0 for `add` and `pool`).
    public var params: Int
    /// The transformer function an elementwise (`pool`-kind) pass computes, charged as the
    /// profile's `special_functions` say (`SpecialFunction`); nil for every other layer.
    public var specialFunction: SpecialFunction?

    /// A layer with every field given; prefer the `conv`, `linear`, `add` and `globalPool` factories.
    public init(
        name: String, kind: LayerKind, inputs: [String], inputShape: TensorShape,
        outputShape: TensorShape, kernelHeight: Int, kernelWidth: Int, stride: Int,
        padding: Int, groups: Int, weightBits: Int, activationBits: Int, outputBits: Int,
        params: Int
    ) {
        self.name = name
        self.kind = kind
        self.inputs = inputs
        self.inputShape = inputShape
        self.outputShape = outputShape
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.stride = stride
        self.padding = padding
        self.groups = groups
        self.weightBits = weightBits
        self.activationBits = activationBits
        self.outputBits = outputBits
        self.params = params
    }

    /// A square-kernel convolution; the output shape follows from
    /// H_out = ⌊(H + 2·padding − kernel) / stride⌋ + 1 (likewise W_out).
    public static func conv(
        _ name: String, input: String, inputShape: TensorShape, outChannels: Int,
        kernel: Int, stride: Int = 1, padding: Int = 0, groups: Int = 1,
        weightBits: Int, activationBits: Int, outputBits: Int
    ) -> LayerWorkload {
        let h = (inputShape.height + 2 * padding - kernel) / stride + 1
        let w = (inputShape.width + 2 * padding - kernel) / stride + 1
        return LayerWorkload(
            name: name, kind: .conv, inputs: [input], inputShape: inputShape,
            outputShape: TensorShape(channels: outChannels, height: h, width: w),
            kernelHeight: kernel, kernelWidth: kernel, stride: stride, padding: padding, groups: groups,
            weightBits: weightBits, activationBits: activationBits, outputBits: outputBits,
            params: outChannels * (inputShape.channels / groups) * kernel * kernel)
    }

    /// A fully connected layer over the flattened input (`inputShape.elements` features).
    public static func linear(
        _ name: String, input: String, inputShape: TensorShape, outFeatures: Int,
        weightBits: Int, activationBits: Int, outputBits: Int
    ) -> LayerWorkload {
        LayerWorkload(
            name: name, kind: .linear, inputs: [input], inputShape: inputShape,
            outputShape: TensorShape(channels: outFeatures, height: 1, width: 1),
            kernelHeight: 1, kernelWidth: 1, stride: 1, padding: 0, groups: 1,
            weightBits: weightBits, activationBits: activationBits, outputBits: outputBits,
            params: outFeatures * inputShape.elements)
    }

    /// An elementwise sum of same-shaped tensors.
    public static func add(
        _ name: String, inputs: [String], shape: TensorShape,
        activationBits: Int, outputBits: Int
    ) -> LayerWorkload {
        LayerWorkload(
            name: name, kind: .add, inputs: inputs, inputShape: shape, outputShape: shape,
            kernelHeight: 1, kernelWidth: 1, stride: 1, padding: 0, groups: 1, weightBits: 0,
            activationBits: activationBits, outputBits: outputBits, params: 0)
    }

    /// Global average pooling to C×1×1.
    public static func globalPool(
        _ name: String, input: String, inputShape: TensorShape,
        activationBits: Int, outputBits: Int
    ) -> LayerWorkload {
        LayerWorkload(
            name: name, kind: .pool, inputs: [input], inputShape: inputShape,
            outputShape: TensorShape(channels: inputShape.channels, height: 1, width: 1),
            kernelHeight: inputShape.height, kernelWidth: inputShape.width,
            stride: inputShape.height, padding: 0, groups: 1, weightBits: 0,
            activationBits: activationBits, outputBits: outputBits, params: 0)
    }

    /// Checks what the cost model relies on: positive shapes, kernel, stride and groups; groups
    /// dividing both channel counts; bit-widths in 1...32 (weights only for conv and linear); at
    /// least one input (two for add); the conv output shape matching the geometry.
    /// - Throws: `InputError` naming the layer and the field.
    public func validate() throws {
        func fail(_ what: String) -> InputError { InputError("network: layer \"\(name)\": \(what)") }
        for (label, shape) in [("input shape", inputShape), ("output shape", outputShape)]
        where shape.channels < 1 || shape.height < 1 || shape.width < 1 {
            throw fail("\(label) must be positive, found \(shape)")
        }
        guard kernelHeight >= 1, kernelWidth >= 1, stride >= 1, padding >= 0, groups >= 1 else {
            throw fail("kernel, stride and groups must be positive and padding ≥ 0")
        }
        guard !inputs.isEmpty, kind != .add || inputs.count >= 2 else {
            throw fail(kind == .add ? "an add needs at least two inputs" : "needs an input")
        }
        guard (1...32).contains(activationBits), (1...32).contains(outputBits),
            !usesArray || (1...32).contains(weightBits)
        else {
            throw fail("bit-widths must be in 1-32, found w\(weightBits) a\(activationBits) out\(outputBits)")
        }
        if kind == .conv {
            guard inputShape.channels % groups == 0, outputShape.channels % groups == 0 else {
                throw fail("groups (\(groups)) must divide the input and output channels")
            }
            let h = (inputShape.height + 2 * padding - kernelHeight) / stride + 1
            let w = (inputShape.width + 2 * padding - kernelWidth) / stride + 1
            guard h == outputShape.height, w == outputShape.width else {
                throw fail(
                    "output \(outputShape.height)x\(outputShape.width) does not follow from the input, kernel, stride and padding (\(h)x\(w))"
                )
            }
        }
    }

    /// True for layers that run on the MAC array (conv, linear).
    public var usesArray: Bool { kind.usesArray }

    /// Multiply-accumulates: C_out·H_out·W_out·(C_in/groups)·k_h·k_w for conv, in·out for linear,
    /// 0 for add and pool.
    public var macs: Int {
        let g = gemmShape
        return groups * g.k * g.m * g.n
    }

    /// Non-MAC arithmetic: (inputs − 1)·elements adds for `add`, one add per input element for
    /// `pool`, 0 otherwise.
    public var elementwiseOps: Int {
        switch kind {
        case .add: return (inputs.count - 1) * outputShape.elements
        case .pool: return inputShape.elements
        case .conv, .linear: return 0
        }
    }

    /// BitOPs = MACs·b_w·b_a at the requested bit-widths.
    public var bitOps: Int { macs * weightBits * activationBits }

    /// The requested widths b_w × b_a as a ``Precision`` (a 32-bit operand is float).
    public var precision: Precision { Precision(operandBits: weightBits, activationBits) }

    /// Matrix view of a MAC layer, per group: reduction length K = (C_in/groups)·k_h·k_w,
    /// output channels M = C_out/groups, output pixels N = H_out·W_out (all 0 for add and pool).
    public var gemmShape: (k: Int, m: Int, n: Int) {
        switch kind {
        case .conv:
            return (
                (inputShape.channels / groups) * kernelHeight * kernelWidth,
                outputShape.channels / groups, outputShape.height * outputShape.width
            )
        case .linear:
            return (inputShape.elements, outputShape.channels, 1)
        case .add, .pool:
            return (0, 0, 0)
        }
    }
}
