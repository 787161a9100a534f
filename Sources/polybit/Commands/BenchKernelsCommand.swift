import ArgumentParser
import Foundation
import PolybitTensor

/// `polybit bench kernels`: GFLOP/s of Polybit's micro-GEMM kernels and OpenBLAS on the
/// per-image convolution shapes of ResNet-20 (single thread): forward and input gradient (`nn`,
/// the same shape with C and O swapped) and the weight gradient `dY·colsᵀ` (`nt`).
struct BenchKernelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kernels",
        abstract: "GFLOP/s of the micro-GEMM kernels vs OpenBLAS sgemm on ResNet-20 convolution shapes (1 thread).")

    func run() throws {
        BLAS.threads = 1
        // (m, n, k) of one image's stride-1 3×3 convs as the trainer runs them on padded planes
        // (grid = H·(W+1) rounded up to 8): forward O×grid×9C and input gradient C×grid×9O (`nn`),
        // weight gradient O×9C×grid (`nt`; stage 2 and 3 batch 2 and 9 images per reduction).
        let shapes: [(String, Int, Int, Int, String)] = [
            ("stage1 forward", 16, 816, 144, "nn"), ("stage1 dW", 16, 144, 816, "nt"),
            ("stage2 forward", 32, 216, 288, "nn"), ("stage2 dW", 32, 288, 432, "nt"),
            ("stage3 forward", 64, 56, 576, "nn"), ("stage3 dW", 64, 576, 504, "nt"),
        ]
        for (name, m, n, k, kind) in shapes {
            var rng = SeededRNG(seed: 1)
            let a = (0..<(m * k)).map { _ in rng.nextFloat() }
            let b = (0..<(k * n)).map { _ in rng.nextFloat() }
            var c = [Float](repeating: 0, count: m * n)
            let reps = max(1, Int(1e9 / Double(2 * m * n * k)))
            func time(_ f: () -> Void) -> Double {
                f()
                let t0 = Clock.seconds()
                for _ in 0..<reps { f() }
                return 2.0 * Double(m * n * k * reps) / (Clock.seconds() - t0) / 1e9
            }
            var micro = 0.0, blas = 0.0
            a.withUnsafeBufferPointer { ap in
                b.withUnsafeBufferPointer { bp in
                    c.withUnsafeMutableBufferPointer { cp in
                        let A = ap.baseAddress!, B = bp.baseAddress!, C = cp.baseAddress!
                        switch kind {
                        case "nn":
                            micro = time {
                                MicroGemm.nn(
                                    m: m, n: n, k: k, a: A, aRow: k, aCol: 1, b: B, ldb: n, c: C, ldc: n,
                                    accumulate: false)
                            }
                            blas = time { BLAS.sgemm(m: m, n: n, k: k, a: A, lda: k, b: B, ldb: n, c: C, ldc: n) }
                        case "nt":
                            micro = time {
                                MicroGemm.nt(
                                    m: m, n: n, k: k, a: A, lda: k, rows: StridedRows(base: B, stride: k),
                                    c: C, ldc: n, accumulate: false)
                            }
                            blas = time {
                                BLAS.sgemm(transB: true, m: m, n: n, k: k, a: A, lda: k, b: B, ldb: k, c: C, ldc: n)
                            }
                        default:
                            preconditionFailure("unknown kernel \(kind)")
                        }
                    }
                }
            }
            print(
                "\(name.padding(toLength: 16, withPad: " ", startingAt: 0)) m=\(m) n=\(n) k=\(k): micro \(String(format: "%5.1f", micro)) GFLOP/s, OpenBLAS \(String(format: "%5.1f", blas)) GFLOP/s, ratio \(String(format: "%.2f", micro / blas))"
            )
        }
    }
}
