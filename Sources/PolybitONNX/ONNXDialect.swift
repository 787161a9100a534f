import PolybitSim

/// The two graph forms an integer model is written in.
public enum ONNXDialect: String, Sendable, CaseIterable {
    /// ONNX's quantized operators (QLinearConv, ConvInteger, QuantizeLinear…): onnxruntime computes
    /// `polybit simulate --requant onnx` bit for bit (`ONNXExport`).
    case onnx
    /// QONNX: float operators and `Quant` nodes carrying every width, for FINN and hls4ml
    /// (`QONNXExport`; exact on the layers it marks `float_exact=1`).
    case qonnx

    /// Writes `model` in this form to `path` (atomically). Only `requant` `.onnx` has a graph form;
    /// other modes throw `InputError` naming the mode to use.
    public func write(
        _ model: IntegerModel, to path: String, requant: RequantMode = .onnx, metadata: [String: String] = [:],
        file: String = "<memory>"
    ) throws {
        switch self {
        case .onnx:
            try ONNXExport.write(model, to: path, requant: requant, metadata: metadata, file: file)
        case .qonnx:
            try ONNXExport.checkMode(requant)
            try QONNXExport.write(model, to: path, metadata: metadata, file: file)
        }
    }
}
