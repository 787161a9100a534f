import Foundation
import PolybitHDF5
import PolybitONNX
import PolybitSim
import PolybitTestSupport
import Testing

/// Converts integer models to ONNX and checks with tools/sim/onnx_check.py that onnxruntime (graph
/// optimizations off, one thread) computes the simulator's output codes bit for bit. Skipped, with
/// a message, when python3 with h5py, onnx and onnxruntime is not installed.
@Suite struct ONNXRuntimeAgreementTests {
    static let toolAvailable: Bool = {
        (try? runPython("import h5py, onnx, onnxruntime")) != nil
    }()

    @Test(arguments: ONNXTestModels.Variant.allCases)
    func onnxruntimeMatchesSimulator(_ variant: ONNXTestModels.Variant) throws {
        guard Self.toolAvailable else {
            print("skipped \(variant): python3 with h5py, onnx and onnxruntime is not available")
            return
        }
        let model = try ONNXTestModels.model(variant)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ONNXExport.write(model, to: dir + "/m.onnx", metadata: ["polybit.version": "test"])
        let count = 24
        let outputs = try Self.writeSimulation(model, count: count, dir: dir)
        #expect(Set(outputs).count > 4, "outputs should spread over the range")
        let report = try runProgram(
            "python3", [ONNXTestModels.tool, dir + "/m.onnx", "--given", dir + "/in.h5", dir + "/expected.h5"])
        #expect(report.contains("\(count)/\(count) images bit-exact"), "\(variant): \(report)")
    }

    /// The check fails when the graph leaves out the bias correction the simulator applies.
    @Test func theCheckFailsWithoutBiasCorrection() throws {
        guard Self.toolAvailable else {
            print("skipped: python3 with h5py, onnx and onnxruntime is not available")
            return
        }
        let model = try ONNXTestModels.model(.resnet8Bits4BiasCorrected)
        var uncorrected = model
        uncorrected.layers = model.layers.map { layer in
            func strip(_ w: WeightedLayer) -> WeightedLayer {
                var w = w
                w.zc = nil; w.biasFraction = nil; w.zcFractionBits = 0
                return w
            }
            var l = layer
            if case .conv(let w) = layer.op { l.op = .conv(strip(w)) }
            if case .linear(let w) = layer.op { l.op = .linear(strip(w)) }
            return l
        }
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try ONNXExport.write(uncorrected, to: dir + "/m.onnx")
        _ = try Self.writeSimulation(model, count: 24, dir: dir)
        #expect(throws: ExternalToolFailed.self) {
            try runProgram(
                "python3", [ONNXTestModels.tool, dir + "/m.onnx", "--given", dir + "/in.h5", dir + "/expected.h5"])
        }
    }

    /// Writes `count` random inputs to `dir/in.h5` (/images) and the simulator's onnx-mode outputs
    /// to `dir/expected.h5` (/outputs); returns the outputs.
    static func writeSimulation(_ model: IntegerModel, count: Int, dir: String) throws -> [Int32] {
        let images = model.randomInputs(count: count, seed: 5)
        let sim = try IntegerSimulator(model: model, config: SimulationConfig(requant: .onnx, threads: 2))
        let out = sim.run(images: images, count: count)
        let file = try HDF5File(path: dir + "/in.h5", mode: .truncate)
        try file.root.write("images", images.map { Int16($0) }, shape: [count] + model.inputShape)
        file.close()
        let expected = try HDF5File(path: dir + "/expected.h5", mode: .truncate)
        try expected.root.write("outputs", out.outputs, shape: [count] + out.outputShape)
        expected.close()
        return out.outputs
    }
}
