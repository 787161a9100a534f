import PolybitNN
import PolybitTensor

/// Measures training-step throughput on random data (no data loading).
public enum TrainBenchmark {
    /// Result of a timed run.
    public struct Result: Sendable, Codable {
        public var images_per_s: Double
        public var step_ms: Double
        /// Forward + backward FLOPs per image (2 per MAC, backward counted as twice the forward).
        public var gflop_per_image: Double
        /// Achieved GFLOP/s of the training step.
        public var gflop_per_s: Double
    }

    /// Times `steps` SGD steps (after `warmup` untimed ones) of `step` on a fixed random batch.
    public static func run(model: any ImageClassifier, batch: Int, channels: Int, height: Int, width: Int,
                           classes: Int, macsPerImage: Double, warmup: Int = 2, steps: Int = 10,
                           step: (Tensor, [Int32]) -> Void) -> Result {
        var rng = SeededRNG(seed: 1)
        let images = Tensor.randomNormal([batch, channels, height, width], std: 1, rng: &rng)
        let labels = (0..<batch).map { _ in Int32(rng.nextInt(below: classes)) }
        for _ in 0..<warmup { step(images, labels) }
        let start = Clock.seconds()
        for _ in 0..<steps { step(images, labels) }
        let seconds = (Clock.seconds() - start) / Double(steps)
        let flops = 2 * macsPerImage * 3
        return Result(images_per_s: Double(batch) / seconds, step_ms: seconds * 1000,
                      gflop_per_image: flops / 1e9, gflop_per_s: flops * Double(batch) / seconds / 1e9)
    }
}
