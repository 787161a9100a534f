import PolybitTensor

/// Measures training-step throughput on random data (no data loading).
public enum TrainBenchmark {
    /// Result of a timed run.
    public struct Result: Sendable, Codable {
        public var images_per_s: Double
        public var step_ms: Double
        /// Forward + backward FLOPs per image (2 per MAC, backward counted as twice the forward),
        /// summed over the step's passes.
        public var gflop_per_image: Double
        /// Achieved GFLOP/s of the training step.
        public var gflop_per_s: Double
    }

    /// GFLOP/s of a 1024³ OpenBLAS sgemm on `threads` threads (the machine's compute ceiling).
    public static func sgemmPeak(threads: Int) -> Double {
        let n = 1024
        var rng = SeededRNG(seed: 2)
        let a = Tensor.randomNormal([n, n], std: 1, rng: &rng), b = Tensor.randomNormal([n, n], std: 1, rng: &rng)
        let saved = BLAS.threads
        BLAS.threads = threads
        defer { BLAS.threads = saved }
        _ = a.matmul(b)
        let start = Clock.seconds()
        for _ in 0..<5 { _ = a.matmul(b) }
        return 5 * 2 * Double(n * n * n) / (Clock.seconds() - start) / 1e9
    }

    /// Times `steps` SGD steps (after `warmup` untimed ones, then `afterWarmup`) of `step` on a
    /// fixed random batch.
    public static func run(
        batch: Int, channels: Int, height: Int, width: Int,
        classes: Int, macsPerImage: Double, warmup: Int = 2, steps: Int = 10,
        afterWarmup: () -> Void = {}, step: (Tensor, [Int32]) -> Void
    ) -> Result {
        var rng = SeededRNG(seed: 1)
        let images = Tensor.randomNormal([batch, channels, height, width], std: 1, rng: &rng)
        let labels = (0..<batch).map { _ in Int32(rng.nextInt(below: classes)) }
        for _ in 0..<warmup { step(images, labels) }
        afterWarmup()
        let start = Clock.seconds()
        for _ in 0..<steps { step(images, labels) }
        let seconds = (Clock.seconds() - start) / Double(steps)
        let flops = 2 * macsPerImage * 3
        return Result(
            images_per_s: Double(batch) / seconds, step_ms: seconds * 1000,
            gflop_per_image: flops / 1e9, gflop_per_s: flops * Double(batch) / seconds / 1e9)
    }
}
