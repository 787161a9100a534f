import Foundation
import PolybitHDF5
import PolybitSim
import PolybitTestSupport
import Testing

/// Every missing field, wrong dtype or foreign file gives one error naming file, layer and field.
@Suite struct ModelReaderTests {
    /// A valid model written by Polybit, then edited with h5py by `script` (`f` is the open file).
    func damaged(_ script: String) throws -> (String, String) {
        let dir = temporaryDirectory()
        let path = dir + "/model.h5"
        var rng = TestRNG(5)
        let model = convModel(
            c: 2, h: 4, w: 4, weights: rng.ints(3 * 2 * 9, -128...127), o: 3, k: 3,
            zc: [1, -2, 3], zcBits: 4)
        try model.write(to: path)
        _ = try runPython(
            "import h5py, numpy as np, sys\nf = h5py.File(sys.argv[1], 'r+')\n" + script + "\nf.close()", [path])
        return (dir, path)
    }

    func expectError(_ script: String, layer: String?, field: String, mentions: String) throws {
        let (dir, path) = try damaged(script)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        do {
            _ = try IntegerModel.read(path: path)
            Issue.record("no error for: \(script)")
        } catch let e as IntegerModelError {
            #expect(e.file == path)
            #expect(e.layer == layer)
            #expect(e.field == field)
            #expect(
                e.description.contains(path) && e.description.contains(field) && e.description.contains(mentions),
                "\(e.description)")
        }
    }

    @Test func roundTrip() throws {
        let (dir, path) = try damaged("pass")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let m = try IntegerModel.read(path: path)
        var rng = TestRNG(5)
        #expect(
            m
                == convModel(
                    c: 2, h: 4, w: 4, weights: rng.ints(3 * 2 * 9, -128...127), o: 3, k: 3,
                    zc: [1, -2, 3], zcBits: 4))
        let info = try HDF5File(path: path, mode: .readOnly).root.datasetInfo("layers/conv/weights")
        #expect(info.elementType == .int8)
    }

    @Test func missingFields() throws {
        try expectError("del f['layers/conv'].attrs['op']", layer: "conv", field: "op", mentions: "missing")
        try expectError("del f['layers/conv/bias']", layer: "conv", field: "bias", mentions: "missing dataset")
        try expectError("del f['layers/conv'].attrs['stride']", layer: "conv", field: "stride", mentions: "missing")
        try expectError(
            "del f['layers/conv/requant_shift']", layer: "conv", field: "requant_shift", mentions: "missing")
        try expectError(
            "del f['layers/conv'].attrs['zc_fraction_bits']", layer: "conv", field: "zc_fraction_bits",
            mentions: "missing")
        try expectError("del f['input'].attrs['scale']", layer: nil, field: "input/scale", mentions: "missing")
        try expectError(
            "del f['layers/conv'].attrs['zero_point']", layer: "conv", field: "zero_point", mentions: "missing")
        try expectError("del f['layers'].attrs['order']", layer: nil, field: "layers/order", mentions: "missing")
    }

    @Test func wrongTypesAndValues() throws {
        try expectError(
            "w = f['layers/conv/weights'][()]; del f['layers/conv/weights']; f['layers/conv/weights'] = w.astype(np.float32)",
            layer: "conv", field: "weights", mentions: "float32")
        try expectError(
            "w = f['layers/conv/weights'][()]; del f['layers/conv/weights']; f['layers/conv/weights'] = w.astype(np.int32)",
            layer: "conv", field: "weights", mentions: "narrowest")
        try expectError(
            "b = f['layers/conv/bias'][()]; del f['layers/conv/bias']; f['layers/conv/bias'] = b.astype(np.int64)",
            layer: "conv", field: "bias", mentions: "int64")
        try expectError(
            "f['layers/conv/requant_multiplier'][0] = 5", layer: "conv", field: "requant_multiplier", mentions: "2^30")
        try expectError("f['layers/conv'].attrs['op'] = 'deconv'", layer: "conv", field: "op", mentions: "unknown op")
        try expectError(
            "f['layers/conv'].attrs['signed'] = np.bool_(True)", layer: "conv", field: "signed", mentions: "0/1")
        try expectError(
            "f['layers/conv'].attrs['zero_point'] = 300", layer: "conv", field: "zero_point", mentions: "outside")
        try expectError(
            "f['layers/conv'].attrs['inputs'] = ['nothing']", layer: "conv", field: "inputs", mentions: "earlier layer")
        try expectError(
            "f['input'].attrs['shape'] = [3, 4, 4]", layer: "conv", field: "weights", mentions: "input channels")
        try expectError("f.attrs['format_version'] = 7", layer: nil, field: "format_version", mentions: "7")
        // Found by tools/fuzz.sh model: shape arithmetic on a huge padding overflowed.
        try expectError(
            "f['layers/conv'].attrs['padding'] = [2**62, 1]", layer: "conv", field: "stride",
            mentions: "at most 1048576")
        try expectError(
            "f['input'].attrs['shape'] = [2, 2**40, 4]", layer: nil, field: "input/shape", mentions: "1...1048576")
    }

    @Test func foreignFiles() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let h5 = dir + "/keras.h5"
        _ = try runPython(
            "import h5py, sys\nf = h5py.File(sys.argv[1], 'w')\nf['model_weights/dense/kernel'] = [[1.0]]\nf.close()",
            [h5])
        do {
            _ = try IntegerModel.read(path: h5)
            Issue.record("foreign HDF5 file accepted")
        } catch let e as IntegerModelError {
            #expect(
                e.field == "format" && e.description.contains(h5)
                    && e.description.contains("not a Polybit integer model"))
        }
        let text = dir + "/notes.txt"
        try "hello".write(toFile: text, atomically: true, encoding: .utf8)
        #expect(throws: HDF5Error.self) { _ = try IntegerModel.read(path: text) }
        #expect(throws: HDF5Error.self) { _ = try IntegerModel.read(path: dir + "/missing.h5") }
    }
}
