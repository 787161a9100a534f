import Foundation
import PolybitONNX
import PolybitSim
import PolybitTestSupport
import Testing

/// `QONNXExport`: the graph carries every width in `Quant` nodes, qonnx's executor computes the
/// simulator's output codes bit for bit on every test model, and the exactness flag is honest.
@Suite struct QONNXExportTests {
    static let qonnxAvailable: Bool = {
        (try? runPython("import h5py, onnx, onnxruntime, qonnx")) != nil
    }()

    @Test(arguments: ONNXTestModels.Variant.allCases)
    func qonnxExecutorMatchesSimulator(_ variant: ONNXTestModels.Variant) throws {
        let model = try ONNXTestModels.model(variant)
        let inexact = try QONNXExport.floatExactness(model).filter { !$0.value }.keys.sorted()
        #expect(inexact.isEmpty, "\(variant): \(inexact) not float-exact")
        guard Self.qonnxAvailable else {
            print("skipped \(variant): python3 with h5py, onnx, onnxruntime and qonnx is not available")
            return
        }
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try QONNXExport.write(model, to: dir + "/m.qonnx")
        let count = 12
        _ = try ONNXRuntimeAgreementTests.writeSimulation(model, count: count, dir: dir)
        let report = try runProgram(
            "python3", [ONNXTestModels.tool, dir + "/m.qonnx", "--given", dir + "/in.h5", dir + "/expected.h5"])
        #expect(report.contains("\(count)/\(count) images bit-exact"), "\(variant): \(report)")
    }

    /// Every weighted layer's weights and every requantized output pass a `Quant` node whose
    /// bit-width input is that tensor's width, with ROUND (half to even), in QONNX's domain.
    @Test func quantNodesCarryTheWidthOfEveryTensor() throws {
        guard Self.qonnxAvailable else {
            print("skipped: python3 with onnx is not available")
            return
        }
        let model = try ONNXTestModels.model(.resnet8Bits4BiasCorrected)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try QONNXExport.write(model, to: dir + "/m.qonnx")
        let script = """
            import sys, onnx
            from onnx import numpy_helper
            m = onnx.load(sys.argv[1])
            init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
            print("opset", " ".join(f"{o.domain}:{o.version}" for o in m.opset_import))
            for n in m.graph.node:
                if n.op_type == "Quant":
                    a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
                    print(n.output[0], n.domain, int(init[n.input[3]]), a["signed"], a["rounding_mode"].decode())
            """
        let lines = try runPython(script, [dir + "/m.qonnx"]).split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("\(QONNXExport.domain):1") == true)
        var quants: [String: [String]] = [:]
        for line in lines.dropFirst() {
            let f = line.split(separator: " ").map(String.init)
            quants[f[0]] = Array(f.dropFirst())
        }
        #expect(quants.values.allSatisfy { $0.first == QONNXExport.domain && $0.last == "ROUND" })
        var checked = 0
        for layer in model.layers {
            guard case .conv(let w) = layer.op else { continue }
            #expect(quants[layer.name + "/wq"]?[1] == "\(w.weightBits)", "\(layer.name) weights")
            #expect(quants[layer.name + "/wq"]?[2] == (w.weightSigned ? "1" : "0"), "\(layer.name) weights")
            #expect(quants[layer.name + "/centered"]?[1] == "\(layer.output.bits)", "\(layer.name) output")
            checked += 1
        }
        #expect(checked == model.layers.filter { $0.op.name == "conv" }.count && checked > 5)
        #expect(model.layers.contains { if case .conv(let w) = $0.op { w.weightBits == 4 } else { false } })
    }

    /// A layer whose float32 sums can pass 2^24 is flagged, in the result and in the metadata.
    @Test func floatExactnessFlagsSumsThatCanPass2To24() throws {
        var model = IntegerModel.syntheticResNet(inputShape: [1, 8, 8], depth: 8)
        let i = model.layers.firstIndex { $0.op.name == "linear" }!
        guard case .linear(var w) = model.layers[i].op else { return }
        #expect(try QONNXExport.floatExactness(model)[model.layers[i].name] == true)
        w.bias = w.bias.map { _ in 1 << 24 }
        model.layers[i].op = .linear(w)
        let exact = try QONNXExport.floatExactness(model)
        #expect(exact[model.layers[i].name] == false)
        #expect(exact.filter { !$0.value }.count == 1)
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try QONNXExport.write(model, to: dir + "/m.qonnx")
        guard Self.qonnxAvailable else { return }
        let entry = try runPython(
            "import sys, onnx; print({e.key: e.value for e in onnx.load(sys.argv[1]).metadata_props}[sys.argv[2]])",
            [dir + "/m.qonnx", "polybit.layer." + model.layers[i].name])
        #expect(entry.contains("float_exact=0"), "\(entry)")
    }
}
