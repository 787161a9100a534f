import Foundation
import PolybitHDF5
import PolybitONNX
import PolybitSim
import PolybitTensor
import PolybitTestSupport
import Testing

/// What the export refuses, what it records, and that the cross-check can fail.
@Suite struct ONNXExportTests {
    @Test func tfliteRoundingModesAreRefusedNamingTheModeToUse() throws {
        let model = IntegerModel.syntheticResNet(inputShape: [1, 8, 8], depth: 8)
        for mode in [RequantMode.double, .single] {
            #expect {
                try ONNXExport.serialize(model, requant: mode)
            } throws: { error in
                let text = "\(error)"
                return error is BadInput && text.contains("--requant \(mode.rawValue)")
                    && text.contains("--requant onnx")
            }
        }
        #expect(try ONNXExport.serialize(model, requant: .onnx).count > 10_000)
    }

    @Test func weightsWiderThanInt8AreRefusedNamingTheLayer() throws {
        var model = IntegerModel.syntheticResNet(inputShape: [1, 8, 8], depth: 8)
        guard case .conv(var w) = model.layers[0].op else { Issue.record("the first layer is not a conv"); return }
        w.weightBits = 9
        model.layers[0].op = .conv(w)
        let stem = model.layers[0].name
        #expect {
            try ONNXExport.serialize(model, file: "m.h5")
        } throws: { error in
            "\(error)".hasPrefix("m.h5: layer '\(stem)': field 'weight_bits': 9-bit signed weights")
        }
    }

    @Test func aConvReadingAWideTensorIsRefused() throws {
        var model = IntegerModel.syntheticResNet(inputShape: [1, 8, 8], depth: 8)
        model.input = Quantization(bits: 12, signed: true, scale: 1e-3, zeroPoint: 0)
        let stem = model.layers[0].name
        #expect {
            try ONNXExport.serialize(model, file: "m.h5")
        } throws: { error in
            "\(error)".hasPrefix("m.h5: layer '\(stem)': field 'inputs': reads a 12-bit tensor")
        }
    }

    @Test func metadataCarriesVersionBitWidthsAndFileAttributes() throws {
        guard ONNXRuntimeAgreementTests.toolAvailable else {
            print("skipped: python3 with onnx is not available")
            return
        }
        let model = ONNXTestModels.wideBlock()
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.write(to: dir + "/m.h5")
        let file = try HDF5File(path: dir + "/m.h5", mode: .readWrite)
        try file.root.setAttribute("accuracy", .double(0.9125))
        try file.root.setAttribute("policy", .string("{\"default\": {\"weight_bits\": 4}}"))
        file.close()
        var metadata = try ONNXExport.fileMetadata(path: dir + "/m.h5", model: model)
        metadata["polybit.version"] = "9.9.9"
        try ONNXExport.write(model, to: dir + "/m.onnx", metadata: metadata)
        let script = """
            import sys, onnx
            m = onnx.load(sys.argv[1]); p = {e.key: e.value for e in m.metadata_props}
            print(m.opset_import[0].version, m.producer_version)
            for k in ["polybit.accuracy", "polybit.policy", "polybit.layer.b.conv1", "polybit.layer.fc", "polybit.input"]:
                print(p[k])
            """
        let lines = try runPython(script, [dir + "/m.onnx"]).split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines.first == "21 9.9.9")
        #expect(lines.dropFirst().first == "0.9125")
        #expect(lines.dropFirst(2).first == "{\"default\": {\"weight_bits\": 4}}")
        #expect(lines.dropFirst(3).first?.contains("bits=4 signed=0") == true)
        #expect(
            lines.dropFirst(3).first?.contains("weight_bits=4 weight_signed=1 weight_range=[-8,7] zc_fraction_bits=12")
                == true)
        #expect(lines.dropFirst(4).first?.contains("bits=24 signed=1") == true)
        #expect(
            lines.dropFirst(5).first?.contains(
                "bits=8 signed=0 scale=0.00392156862745098 zero_point=30 code_offset=128") == true)
    }
}
