import Foundation
import PolybitHDF5
import PolybitSim
import PolybitTestSupport
import Testing

/// Bit-for-bit agreement with onnxruntime in the onnx requant mode. tools/sim/ort_crosscheck.py
/// writes a random Polybit model with h5py, converts it to ONNX (QLinearConv, QLinearMatMul,
/// DequantizeLinear/Add/QuantizeLinear, Clip, MaxPool), runs onnxruntime and saves its outputs.
/// Activations are int8: on this x86 CPU without VNNI, onnxruntime saturates uint8 activations ×
/// full-range int8 weights in int16 pairs (vpmaddubsw), which would not be exact.
@Suite struct OnnxRuntimeAgreementTests {
    @Test(arguments: ["conv1x1", "conv3x3", "strided", "padded", "nobias", "matmul", "linear", "resnet"])
    func agreesWithOnnxRuntime(_ testCase: String) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try runTool("ort_crosscheck.py", [testCase, dir, "--seed", "\(testCase.count * 7 + 3)"])
        let model = try IntegerModel.read(path: dir + "/model.h5")
        let inputs = try InputSet.read(path: dir + "/inputs.h5", model: model)
        let expected = try HDF5File(path: dir + "/expected.h5", mode: .readOnly).root
            .read("outputs", as: Int32.self)
        for fastPath in [true, false] {
            let sim = try IntegerSimulator(
                model: model, config: SimulationConfig(requant: .onnx, fastPath: fastPath, threads: 2, batch: 5))
            let out = sim.run(images: inputs.images, count: inputs.count)
            #expect(expected.shape == [inputs.count] + out.outputShape)
            let mismatches = zip(out.outputs, expected.values).filter { $0 != $1 }.count
            #expect(
                mismatches == 0,
                "\(testCase) fastPath=\(fastPath): \(mismatches) of \(expected.values.count) outputs differ")
            #expect(Set(expected.values).count > 10, "outputs should spread over the range")
        }
    }
}
