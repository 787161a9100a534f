import Foundation
import PolybitSim
import Testing

/// `polybit convert --to onnx|qonnx`: writes a file onnxruntime (or qonnx's executor) runs like
/// `simulate` (checked through `polybit trace` by tools/sim/onnx_check.py when the Python packages
/// are installed) and exits 2 for bad input.
@Suite struct ConvertCommandTests {
    @Test(arguments: ["onnx", "qonnx"])
    func convertsAModelThatRunsLikeSimulate(_ format: String) throws {
        let dir = NSTemporaryDirectory() + "polybit-convert-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let model = IntegerModel.syntheticResNet(inputShape: [1, 10, 10], depth: 8)
        try model.write(to: dir + "/m.h5")
        let r = try CLI.run(["convert", "--model", dir + "/m.h5", "--to", format, "--out", dir + "/m.onnx"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stdout.hasPrefix("wrote \(dir)/m.onnx: \(format.uppercased()) opset 21, \(model.layers.count) layers"))
        guard (try? CLI.tool("sim/onnx_check.py", ["--help"]))?.status == 0,
            format == "onnx" || (try? CLI.python(["-c", "import qonnx"]))?.status == 0
        else {
            print("skipped the \(format) run: python3 with h5py, onnx, onnxruntime (and qonnx) is not available")
            return
        }
        let images = model.randomInputs(count: 16)
        let script = """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "w") as f:
                f["images"] = np.array([int(v) for v in sys.argv[2].split(",")], np.int16).reshape(16, 1, 10, 10)
            """
        let write = Process()
        write.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        write.arguments = ["python3", "-c", script, dir + "/in.h5", images.map { "\($0)" }.joined(separator: ",")]
        try write.run()
        write.waitUntilExit()
        #expect(write.terminationStatus == 0)
        let check = try CLI.tool(
            "sim/onnx_check.py",
            [
                dir + "/m.onnx", "--model", dir + "/m.h5", "--inputs", dir + "/in.h5", "--images", "16",
                "--polybit", CLI.executable.path,
            ])
        #expect(check.status == 0, "\(check.stdout) \(check.stderr)")
        #expect(check.stdout.contains("16/16 images bit-exact"))
    }

    @Test func badInputExitsWithCode2() throws {
        let dir = NSTemporaryDirectory() + "polybit-convert-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try IntegerModel.syntheticResNet(inputShape: [1, 8, 8], depth: 8).write(to: dir + "/m.h5")
        let double = try CLI.run(
            ["convert", "--model", dir + "/m.h5", "--to", "onnx", "--out", dir + "/m.onnx", "--requant", "double"])
        #expect(double.status == 2)
        #expect(double.stderr.contains("convert with --requant onnx"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.onnx"))
        let missing = try CLI.run(["convert", "--model", dir + "/none.h5", "--to", "onnx", "--out", dir + "/m.onnx"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("none.h5"))
    }
}
