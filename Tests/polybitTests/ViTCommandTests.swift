import Foundation
import Testing

/// A multi-bit ViT checkpoint goes through `export`, `simulate`, `trace` and `cost --model`; ONNX
/// and QONNX conversion refuse the ops they do not map with one line naming the layer.
@Suite(.serialized) struct ViTCommandTests {
    @Test func vitCheckpointExportsSimulatesAndCosts() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let train = try CLI.run([
            "train", "--dataset", "synthetic", "--limit", "256", "--model", "vit", "--dim", "16", "--depth", "2",
            "--heads", "2", "--epochs", "2", "--batch", "32", "--bits", "4,8", "--threads", "2", "--out", dir + "/run",
        ])
        try #require(train.status == 0, "\(train.stderr)")
        let model = dir + "/vit8.h5"
        let export = try CLI.run([
            "export", "--checkpoint", dir + "/run/checkpoint.h5", "--bits", "8", "--out", model,
            "--calibration-images", "64", "--verify", "200", "--threads", "2", "--json",
        ])
        try #require(export.status == 0, "\(export.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as! [String: Any]
        let verification = summary["verification"] as! [String: Any]
        #expect((verification["top1_agreement"] as! Double) >= 0.95, "\(verification)")

        let simulate = try CLI.run(["simulate", "--model", model, "--dataset", "synthetic", "--threads", "2", "--json"])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        let trace = try CLI.run([
            "trace", "--model", model, "--dataset", "synthetic", "--samples", "2", "--out", dir + "/t.h5",
            "--layers", "block0.attn.scores,block0.attn.softmax",
        ])
        #expect(trace.status == 0, "\(trace.stderr)")
        let cost = try CLI.run(["cost", "--model", model, "--profile", CLI.repository + "/hwprofiles/eyeriss.yaml"])
        #expect(cost.status == 0 && cost.stdout.contains("block0.attn.scores"), "\(cost.stderr)")

        // ONNX maps the token reshapes and stops at the token embedding; QONNX at the first transformer op.
        for (format, layer) in [("onnx", "embed"), ("qonnx", "embed.tokens")] {
            let onnx = try CLI.run(["convert", "--model", model, "--to", format, "--out", dir + "/vit." + format])
            #expect(onnx.status == 2)
            #expect(onnx.stderr.contains("layer '\(layer)': field 'op'"), "\(format): \(onnx.stderr)")
        }
    }
}
