import Foundation
import PolybitData
import PolybitHardware
import PolybitQuant
import PolybitSearch
import PolybitSim
import PolybitTensor
import PolybitTrain

/// The readers under fuzzing, one per input format: libFuzzer's harness (tools/fuzz/Harness) and
/// the test suite's short mutation run (Tests/PolybitFuzzTests) feed them the same way.
public enum FuzzTarget: String, CaseIterable, Sendable {
    case idx, cifar, dataset, model, checkpoint, profile, policy, budget, recipe

    /// The reader `POLYBIT_FUZZ_READER` names (the process stops with a list when it names none).
    public static let selected: FuzzTarget = {
        let name = ProcessInfo.processInfo.environment["POLYBIT_FUZZ_READER"] ?? ""
        guard let target = FuzzTarget(rawValue: name) else {
            let all = allCases.map(\.rawValue).joined(separator: ", ")
            FileHandle.standardError.write(Data("POLYBIT_FUZZ_READER '\(name)': expected one of \(all)\n".utf8))
            exit(2)
        }
        return target
    }()

    /// The stem of the scratch files file-based readers read the input from, in memory when
    /// /dev/shm exists: ext4 flushes a truncated-and-rewritten file on close, 100× slower.
    public static let scratch =
        (FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : FileManager.default.temporaryDirectory.path)
        + "/polybit-fuzz-\(getpid())"

    /// Feeds `data` to the reader; thrown errors are the readers' normal answer to bad input.
    /// Returns whether the reader accepted it (the IDX and CIFAR readers: in any of the forms tried).
    @discardableResult
    public func run(_ data: Data) -> Bool {
        do {
            switch self {
            case .idx:
                let path = try file(data, "idx")
                let images = (try? IDX.readImages(path)) != nil
                let labels = (try? IDX.readLabels(path, classes: 10)) != nil
                return images || labels
            case .cifar:
                let path = try file(data, "bin")
                let ten = (try? CIFARBinary.read(name: "fuzz", paths: [path], labelBytes: 1, classes: 10)) != nil
                let hundred = (try? CIFARBinary.read(name: "fuzz", paths: [path], labelBytes: 2, classes: 100)) != nil
                return ten || hundred
            case .dataset: _ = try HDF5ImageDataset.load(path: try file(data, "h5"))
            case .model: _ = try IntegerModel.read(path: try file(data, "h5"))
            case .checkpoint: _ = try Checkpoint.read(from: try file(data, "h5")).recipe.validate()
            case .profile: _ = try ProfileLoader.parse(yaml: String(decoding: data, as: UTF8.self), file: "fuzz.yaml")
            case .policy:
                try PrecisionPolicy.parse(data, file: "fuzz.json").validate(
                    layers: Self.policyLayers, supportedBits: ResNetExporter.supportedBits, file: "fuzz.json")
            case .budget: _ = try Budget(parsing: String(decoding: data, as: UTF8.self))
            case .recipe: try JSONDecoder().decode(TrainingRecipe.self, from: data).validate()
            }
            return true
        } catch { return false }
    }

    /// This reader's scratch file with extension `ext` (one per process and reader, so readers
    /// can run side by side).
    public func scratchFile(_ ext: String) -> String { Self.scratch + "-" + rawValue + "." + ext }

    /// Writes `data` to this reader's scratch file with extension `ext` and returns its path.
    func file(_ data: Data, _ ext: String) throws -> String {
        let path = scratchFile(ext)
        guard let f = fopen(path, "wb") else { throw CocoaError(.fileWriteUnknown) }
        defer { fclose(f) }
        _ = data.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
        return path
    }

    /// The layers of a quantized ResNet-8, which policies are validated against (libFuzzer runs
    /// inputs on one thread).
    nonisolated(unsafe) static let policyLayers: [QuantizedLayer] = {
        var recipe = TrainingRecipe()
        recipe.model = .resnet(depth: 8)
        let data = SyntheticDataset.make(count: 1, channels: 1, height: 8, width: 8, classes: 10, seed: 1)
        let model = try! ModelFactory.make(recipe, for: data)
        return try! QuantizedNetwork(model: model, bitWidths: [2, 4, 8], options: recipe.quantizer).layers
    }()
}
