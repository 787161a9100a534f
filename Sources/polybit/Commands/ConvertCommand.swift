import ArgumentParser
import Foundation
import PolybitONNX
import PolybitSim
import PolybitTensor

extension ONNXDialect: ExpressibleByArgument {}

struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract:
            "Convert an integer model (HDF5) to ONNX that onnxruntime runs bit for bit like `simulate`, or to QONNX.",
        discussion: """
            --to onnx: the graph (opset 21, int8 tensors, int32 for activations over 8 bits) computes exactly what \
            `polybit simulate --requant onnx` computes with its default 32-bit wrapping accumulator: QLinearConv where \
            onnxruntime's own requantization is Polybit's, ConvInteger and integer arithmetic where bias correction \
            (Z_c, bias_fraction) or a wide output needs it. --to qonnx: float operators over integer-valued tensors \
            and QONNX Quant nodes carrying every weight and activation width (FINN, hls4ml), exact on every layer \
            whose metadata says float_exact=1. The model's root attributes (policy, profile, accuracy, ...) and each \
            layer's bit widths go into metadata_props. Check a file with tools/sim/onnx_check.py. See docs/onnx.md.
            """
    )

    @Option(help: "Integer model (HDF5, docs/integer-model.md).")
    var model: String

    @Option(help: "Target format: onnx or qonnx.")
    var to: ONNXDialect

    @Option(help: "Output file (written atomically).")
    var out: String

    @Option(
        help:
            "Requantization arithmetic to reproduce: onnx (TFLite's double and single rounding have no exact ONNX form)."
    )
    var requant: RequantMode = .onnx

    func run() throws {
        let integerModel = try IntegerModel.read(path: model)
        var metadata = try ONNXExport.fileMetadata(path: model, model: integerModel)
        metadata["polybit.version"] = Polybit.version
        metadata["polybit.source"] = URL(fileURLWithPath: model).lastPathComponent
        try to.write(integerModel, to: out, requant: requant, metadata: metadata, file: model)
        let bytes = (try? FileManager.default.attributesOfItem(atPath: out)[.size] as? Int) ?? 0
        print(
            "wrote \(out): \(to == .onnx ? "ONNX" : "QONNX") opset \(ONNXExport.opset), \(integerModel.layers.count) layers, \(bytes) bytes"
        )
        if to == .qonnx {
            let inexact = try QONNXExport.floatExactness(integerModel, file: model).filter { !$0.value }.keys.sorted()
            if !inexact.isEmpty {
                print(
                    "note: float32 sums may exceed 2^24 in \(inexact.joined(separator: ", ")); those layers can differ from `simulate` in the last code"
                )
            }
        }
    }
}
