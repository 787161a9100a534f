import Foundation
import PolybitNN
import PolybitSim
import PolybitTestSupport
import Testing

/// Bad transformer-op values give one error naming the layer and the field, in memory and in files.
@Suite struct TransformerValidationTests {
    let model = IntegerModel.syntheticViT(
        topology: try! ViTTopology(
            inputChannels: 1, height: 8, width: 8, classes: 10, patch: 4, dim: 16, depth: 1, heads: 2, mlpRatio: 2))

    /// The model with layer `name` edited by `edit`; expects an error on `field` mentioning `mentions`.
    func expectError(
        _ name: String, field: String, mentions: String, _ edit: (inout IntegerLayer) -> Void
    ) {
        var m = model
        let i = m.layers.firstIndex { $0.name == name }!
        edit(&m.layers[i])
        do {
            try m.validate()
            Issue.record("no error for \(name).\(field)")
        } catch let e as IntegerModelError {
            #expect(e.layer == name && e.field == field, "\(e)")
            #expect(e.description.contains(mentions), "\(e)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func badValuesInMemory() {
        expectError("block0.attn.softmax", field: "scale", mentions: "2^-bits") {
            $0.output.scale = 0.01
        }
        expectError("block0.attn.softmax", field: "input_multiplier", mentions: "is 0") {
            $0.op = .softmax(QuantizedMultiplier(multiplier: 0, shift: 0))
        }
        expectError("block0.norm1", field: "gamma", mentions: "expected 16 values") {
            guard case .layernorm(var p) = $0.op else { return }
            p.gamma.removeLast()
            $0.op = .layernorm(p)
        }
        expectError("block0.norm1", field: "epsilon", mentions: "ε ≥ 0") {
            guard case .layernorm(var p) = $0.op else { return }
            p.epsilon = -1
            $0.op = .layernorm(p)
        }
        expectError("block0.attn.q", field: "heads", mentions: "must fit the 48 columns") {
            $0.op = .splitHeads(HeadSplit(offset: 40, heads: 2, headDim: 8))
        }
        expectError("cls", field: "index", mentions: "outside 0..<5") { $0.op = .selectToken(5) }
        expectError("embed", field: "constant", mentions: "expected shape [5, 16]") {
            guard case .tokenEmbed(var e) = $0.op else { return }
            e.constantShape = [4, 20]
            $0.op = .tokenEmbed(e)
        }
        expectError("block0.attn.scores", field: "transpose_b", mentions: "do not share K") {
            guard case .matmul(var p) = $0.op else { return }
            p.transposeB = false
            $0.op = .matmul(p)
        }
        expectError("block0.attn.context", field: "inputs", mentions: "needs 2 input name(s)") {
            $0.inputs = ["block0.attn.softmax"]
        }
        expectError("block0.attn.merge", field: "inputs", mentions: "rank 3...3") { $0.inputs = ["block0.attn.qkv"] }
    }

    /// The model written, edited by h5py `script` (`f` is the open file), read back.
    func expectFileError(_ script: String, layer: String, field: String, mentions: String) throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/vit.h5"
        try model.write(to: path)
        _ = try runPython(
            "import h5py, numpy as np, sys\nf = h5py.File(sys.argv[1], 'r+')\n" + script + "\nf.close()", [path])
        do {
            _ = try IntegerModel.read(path: path)
            Issue.record("no error for: \(script)")
        } catch let e as IntegerModelError {
            #expect(e.file == path && e.layer == layer && e.field == field, "\(e)")
            #expect(e.description.contains(mentions), "\(e)")
        }
    }

    @Test func badFields() throws {
        try expectFileError(
            "del f['layers/block0.gelu'].attrs['input_shift']", layer: "block0.gelu", field: "input_shift",
            mentions: "missing")
        try expectFileError(
            "f['layers/block0.attn.scores'].attrs['transpose_b'] = 2", layer: "block0.attn.scores",
            field: "transpose_b", mentions: "expected 0 or 1")
        try expectFileError(
            "g = f['layers/block0.norm1']; v = g['gamma'][()]; del g['gamma']; g['gamma'] = v.astype('f4')",
            layer: "block0.norm1", field: "gamma", mentions: "float32")
        try expectFileError(
            "del f['layers/embed/constant']", layer: "embed", field: "constant", mentions: "missing dataset")
        try expectFileError(
            "f['layers/block0.attn.q'].attrs['head_dim'] = 100", layer: "block0.attn.q", field: "heads",
            mentions: "head_dim 100")
    }
}
