import PolybitTensor

/// What `polybit simulate` reports: accuracy (when labels exist), throughput and per-layer
/// overflow counts. JSON field names carry units.
public struct SimulationReport: Sendable, Codable {
    public var model: String
    public var images: Int
    /// Correct top-1 predictions, when the inputs have labels.
    public var correct: Int?
    /// Top-1 accuracy as a fraction, when the inputs have labels.
    public var accuracy: Double?
    public var requant: RequantMode
    public var accumulatorBits: Int
    public var overflow: OverflowMode
    public var seconds: Double
    public var imagesPerSecond: Double
    public var macsPerImage: Int
    /// Integer multiply-accumulates simulated per second.
    public var macsPerSecond: Double
    /// Layers with any overflow.
    public var overflowingLayers: Int
    public var layers: [LayerStats]

    enum CodingKeys: String, CodingKey {
        case model, images, correct, accuracy, requant, overflow, seconds, layers
        case accumulatorBits = "accumulator_bits"
        case imagesPerSecond = "images_per_s"
        case macsPerImage = "macs_per_image"
        case macsPerSecond = "macs_per_s"
        case overflowingLayers = "overflowing_layers"
    }

    /// Runs `inputs` through `model` and summarizes; `progress(done, total)` as in
    /// `IntegerSimulator.run`. The command line's `simulate` is this plus printing.
    public static func evaluate(
        model: IntegerModel, modelName: String, inputs: InputSet,
        config: SimulationConfig,
        progress: ((Int, Int) -> Void)? = nil
    ) throws -> SimulationReport {
        let sim = try IntegerSimulator(model: model, config: config)
        let out = sim.run(images: inputs.images, count: inputs.count, progress: progress)
        var correct: Int? = nil
        if let labels = inputs.labels {
            correct = zip(out.argmax, labels).filter { $0 == Int($1) }.count
        }
        let macs = sim.macsPerImage.reduce(0, +)
        let seconds = max(out.seconds, 1e-9)
        return SimulationReport(
            model: modelName, images: inputs.count, correct: correct,
            accuracy: correct.map { inputs.count == 0 ? 0 : Double($0) / Double(inputs.count) },
            requant: config.requant, accumulatorBits: config.accumulator.bits,
            overflow: config.accumulator.overflow, seconds: out.seconds,
            imagesPerSecond: Double(inputs.count) / seconds, macsPerImage: macs,
            macsPerSecond: Double(macs) * Double(inputs.count) / seconds,
            overflowingLayers: out.layers.filter { $0.overflow.events > 0 }.count, layers: out.layers)
    }
}
