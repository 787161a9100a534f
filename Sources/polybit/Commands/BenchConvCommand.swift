import ArgumentParser
import Foundation
import PolybitNN
import PolybitTensor

/// `polybit bench conv`: milliseconds of one Conv2d forward and backward on ResNet-20's stride-1 3×3
/// shapes, Winograd F(2×2, 3×3) against the implicit GEMM, alternating.
struct BenchConvCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conv",
        abstract: "Milliseconds per 3×3 convolution on ResNet-20 shapes: Winograd vs implicit GEMM.")

    @Option(help: "Images per batch.") var batch = 128
    @Option(help: "Worker threads.") var threads = 1
    @Option(help: "Timed repetitions per algorithm.") var repeats = 10

    func run() throws {
        guard batch >= 1 else { throw InputError("--batch: expected at least 1, got \(batch)") }
        guard threads >= 1 else { throw InputError("--threads: expected at least 1, got \(threads)") }
        guard repeats >= 1 else { throw InputError("--repeats: expected at least 1, got \(repeats)") }
        Compute.configure(threads: threads)
        for (channels, size) in [(16, 28), (32, 14), (64, 7)] {
            var rng = SeededRNG(seed: 1)
            let conv = Conv2d(name: "c", inChannels: channels, outChannels: channels, kernel: 3, padding: 1, rng: &rng)
            let x = Tensor.randomNormal([channels, batch, size, size], std: 1, rng: &rng)
            var forward = [false: 0.0, true: 0.0], backward = [false: 0.0, true: 0.0]
            for rep in 0...repeats {
                for winograd in [false, true] {
                    conv.winograd = winograd
                    let t0 = Clock.seconds()
                    let y = conv.forward(x, training: true)
                    let t1 = Clock.seconds()
                    _ = conv.backward(y)
                    let t2 = Clock.seconds()
                    if rep > 0 { forward[winograd]! += t1 - t0; backward[winograd]! += t2 - t1 }
                }
            }
            func ms(_ s: Double) -> String { String(format: "%7.2f", s / Double(repeats) * 1000) }
            print(
                "\(channels)×\(size)×\(size): forward GEMM \(ms(forward[false]!)) ms, Winograd \(ms(forward[true]!)) ms (\(String(format: "%.2f", forward[false]! / forward[true]!))×); backward GEMM \(ms(backward[false]!)) ms, Winograd \(ms(backward[true]!)) ms"
            )
        }
    }
}
