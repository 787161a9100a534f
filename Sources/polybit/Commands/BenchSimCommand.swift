import ArgumentParser
import Foundation
import PolybitONNX
import PolybitSim
import PolybitTensor

struct BenchSimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract:
            "Integer simulation throughput on a synthetic ResNet (MACs/s), and onnxruntime's int8 throughput on the same model when python3 with onnxruntime is available."
    )

    @Option(help: "Synthetic model: resnet20, resnet32, resnet56.") var model = "resnet20"
    @OptionGroup var inputShape: InputShapeOption
    @Option(help: "Images to simulate.") var images = 2000
    @Option(help: "Weight and activation bits.") var bits = 8
    @Flag(name: .customLong("no-onnxruntime"), help: "Skip the onnxruntime comparison.") var noOnnxruntime = false
    @OptionGroup var options: SimulationOptions
    @Flag(help: "Print one JSON object on stdout.") var json = false

    struct Result: Encodable {
        let model: String
        let inputShape: [Int]
        let bits: Int
        let threads: Int
        let polybit: SimulationReport
        let onnxruntimeImagesPerSecond: Double?
        let onnxruntimeNote: String?
        let speedupOverOnnxruntime: Double?

        enum CodingKeys: String, CodingKey {
            case model, bits, threads, polybit
            case inputShape = "input_shape"
            case onnxruntimeImagesPerSecond = "onnxruntime_images_per_s"
            case onnxruntimeNote = "onnxruntime_note"
            case speedupOverOnnxruntime = "speedup_over_onnxruntime"
        }
    }

    func run() throws {
        let depths = ["resnet20": 20, "resnet32": 32, "resnet56": 56]
        guard let depth = depths[model] else {
            throw InputError("--model: expected resnet20, resnet32 or resnet56, got '\(model)'")
        }
        let parsed = try inputShape.shape()
        let shape = [parsed.channels, parsed.height, parsed.width]
        guard (2...16).contains(bits) else { throw InputError("--bits: expected 2...16, got \(bits)") }
        guard images >= 1 else { throw InputError("--images: expected at least 1") }
        let config = try options.config()
        let net = IntegerModel.syntheticResNet(inputShape: shape, depth: depth, weightBits: bits, activationBits: bits)
        let inputs = InputSet(images: net.randomInputs(count: images), labels: nil, count: images)
        // Warm-up on a few images, then the timed run.
        let warm = InputSet(
            images: Array(inputs.images.prefix(config.threads * config.batch * net.inputShape.reduce(1, *))),
            labels: nil, count: min(images, config.threads * config.batch))
        _ = try SimulationReport.evaluate(model: net, modelName: model, inputs: warm, config: config)
        let line = ProgressLine(enabled: true)
        let report = try SimulationReport.evaluate(
            model: net, modelName: model, inputs: inputs, config: config,
            progress: simulationProgress(line))
        line.finish("bench sim: \(images) images in " + ProgressLine.duration(report.seconds))
        var ortRate: Double? = nil, note: String? = nil
        if noOnnxruntime {
            note = "skipped (--no-onnxruntime)"
        } else if bits != 8 {
            note = "skipped: the onnxruntime comparison needs --bits 8"
        } else {
            (ortRate, note) = onnxruntimeRate(net, images: min(images, 2000), threads: config.threads)
        }
        let result = Result(
            model: model, inputShape: shape, bits: bits, threads: config.threads, polybit: report,
            onnxruntimeImagesPerSecond: ortRate, onnxruntimeNote: note,
            speedupOverOnnxruntime: ortRate.map { report.imagesPerSecond / $0 })
        if json { try printJSON(result); return }
        print(
            String(
                format:
                    "polybit %@ %@ int%d: %.1f images/s, %.2f GMAC/s (%d images, %d MACs/image, %d threads, %@ requant)",
                model, inputShape.input, bits, report.imagesPerSecond, report.macsPerSecond / 1e9, images,
                report.macsPerImage,
                config.threads, config.requant.rawValue))
        if let ortRate {
            print(
                String(
                    format: "onnxruntime on the ONNX export: %.1f images/s; polybit/onnxruntime = %.2f",
                    ortRate, report.imagesPerSecond / ortRate))
        } else if let note {
            print("onnxruntime: \(note)")
        }
    }

    /// Runs tools/sim/bench_ort.py on the model's ONNX form (`ONNXExport`, written to a temporary
    /// file); nil and a reason
    /// when python3, onnxruntime or the script is unavailable.
    func onnxruntimeRate(_ net: IntegerModel, images: Int, threads: Int) -> (Double?, String?) {
        let candidates = [
            ProcessInfo.processInfo.environment["POLYBIT_TOOLS"].map { $0 + "/sim/bench_ort.py" },
            FileManager.default.currentDirectoryPath + "/tools/sim/bench_ort.py",
        ].compactMap { $0 }
        guard let script = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) else {
            return (nil, "tools/sim/bench_ort.py not found (run from the repository root or set POLYBIT_TOOLS)")
        }
        let path = NSTemporaryDirectory() + "polybit-bench-\(getpid()).onnx"
        defer { try? FileManager.default.removeItem(atPath: path) }
        do { try ONNXExport.write(net, to: path) } catch { return (nil, "cannot convert the model to ONNX: \(error)") }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", script, path, "--images", "\(images)", "--threads", "\(threads)"]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out; p.standardError = err
        do { try p.run() } catch { return (nil, "python3 not available") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0,
            let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let rate = obj["images_per_s"] as? Double
        else {
            return (
                nil, "onnxruntime run failed: " + (errText.split(separator: "\n").last.map(String.init) ?? "no output")
            )
        }
        let optimized = (obj["graph_optimization"] as? Bool) == true
        return (
            rate,
            "onnxruntime \(obj["onnxruntime"] ?? "?"), \(threads) threads, same model as `polybit convert --to onnx` writes it, graph optimizations \(optimized ? "on" : "off")"
        )
    }
}
