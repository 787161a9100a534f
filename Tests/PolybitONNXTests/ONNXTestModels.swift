import Foundation
import PolybitSim
import PolybitTestSupport

/// Small integer models covering every mapping of the ONNX export.
enum ONNXTestModels {
    /// tools/sim/onnx_check.py in this checkout.
    static let tool = repositoryRoot + "/tools/sim/onnx_check.py"

    enum Variant: String, CaseIterable, CustomStringConvertible {
        /// ResNet-8, int8 weights and activations, int32 biases (QLinearConv throughout).
        case resnet8
        /// ResNet-8 at 4-bit weights and activations with bias correction `Z_c` and `bias_fraction`.
        case resnet8Bits4BiasCorrected
        /// ResNet-8 with an unsigned 8-bit input and output (codes shifted by 128 inside the graph).
        case resnet8Unsigned
        /// The synthetic ResNet-20 of `bench sim` on 12×12 single-channel images.
        case resnet20
        /// Wide (24-bit) tensors, every pool, clamp and a linear layer (`wideBlock()`).
        case wideBlock
        /// `polybit export`'s ResNet-8 at 8 and at 4 bits (`exportedResNet8(bits:)`).
        case exported8, exported4
        var description: String { rawValue }
    }

    static func model(_ v: Variant) throws -> IntegerModel {
        switch v {
        case .resnet8:
            return IntegerModel.syntheticResNet(inputShape: [3, 12, 12], depth: 8)
        case .resnet8Bits4BiasCorrected:
            var m = IntegerModel.syntheticResNet(inputShape: [3, 12, 12], depth: 8, weightBits: 4, activationBits: 4)
            m.layers = m.layers.map(biasCorrected)
            return m
        case .resnet8Unsigned:
            var m = IntegerModel.syntheticResNet(inputShape: [3, 12, 12], depth: 8)
            m.input = Quantization(bits: 8, signed: false, scale: m.input.scale, zeroPoint: 100)
            let last = m.layers.count - 1
            m.layers[last].output = Quantization(bits: 8, signed: false, scale: 0.05, zeroPoint: 130)
            return m
        case .resnet20:
            return IntegerModel.syntheticResNet(inputShape: [1, 12, 12], depth: 20)
        case .wideBlock:
            return wideBlock()
        case .exported8:
            return try exportedResNet8(bits: 8)
        case .exported4:
            return try exportedResNet8(bits: 4)
        }
    }

    /// `layer` with bias-correction constants `Z_c` (fraction bits 12) and bias fractions when it
    /// is a conv or linear layer; deterministic in the layer's weights.
    static func biasCorrected(_ layer: IntegerLayer) -> IntegerLayer {
        func correct(_ w: WeightedLayer) -> WeightedLayer {
            var w = w
            let f = 12
            w.zcFractionBits = f
            w.zc = (0..<w.outChannels).map { c in Int64((c * 2_654_435_761) % 9000 - 4500) * 3 }
            w.biasFraction = (0..<w.outChannels).map { c in Int64((c * 40_503) % (1 << f)) - (1 << (f - 1)) }
            return w
        }
        var l = layer
        switch layer.op {
        case .conv(let w): l.op = .conv(correct(w))
        case .linear(let w): l.op = .linear(correct(w))
        default: break
        }
        return l
    }
}
