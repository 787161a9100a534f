import Foundation
import PolybitTensor
import PolybitTrain
import Testing

struct HutchinsonTraceTests {
    /// The gradient of the quadratic ½·xᵀAx at `x0 + δ` (blocks of `sizes`): A·(x0 + δ), split.
    static func quadraticGradient(_ a: [[Double]], x0: [Double], sizes: [Int]) -> ([[Float]]) -> [[Float]] {
        { displacement in
            let x = zip(x0, displacement.flatMap { $0 }).map { $0 + Double($1) }
            let g = a.map { row in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } }
            var out: [[Float]] = [], start = 0
            for n in sizes {
                out.append(g[start..<start + n].map { Float($0) }); start += n
            }
            return out
        }
    }

    /// A diagonal Hessian: one probe gives each block's trace exactly (vᵢ² = 1).
    @Test func diagonalHessianIsExactWithOneProbe() {
        let d: [Double] = [1, 2, 3, 4, 5]
        let a = d.indices.map { i in d.indices.map { $0 == i ? d[i] : 0 } }
        var rng = SeededRNG(seed: 1)
        let traces = HutchinsonTrace.estimate(
            blockSizes: [3, 2], step: 0.5, probes: 1, rng: &rng,
            gradient: Self.quadraticGradient(a, x0: [0.3, -1, 2, 0, 1], sizes: [3, 2]))
        #expect(abs(traces[0] - 6) < 1e-4 && abs(traces[1] - 9) < 1e-4, "\(traces)")
    }

    /// A dense 40×40 quadratic with coupled blocks of 15 and 25: the estimate of each block's trace
    /// (exactly Σ A_ii over the block) lies within 5% with 400 probes.
    @Test func denseQuadraticWithinFivePercent() {
        let n = 40, sizes = [15, 25]
        func entry(_ i: Int, _ j: Int) -> Double {
            if i == j { return Double(1 + i % 5) }
            return 0.1 * sin(Double(i + j) + 0.01 * Double(i * j))
        }
        let a = (0..<n).map { i in (0..<n).map { j in entry(i, j) } }
        let exact = [(0..<15).reduce(0.0) { $0 + a[$1][$1] }, (15..<40).reduce(0.0) { $0 + a[$1][$1] }]
        #expect(exact == [45, 75])
        var rng = SeededRNG(seed: 7)
        let traces = HutchinsonTrace.estimate(
            blockSizes: sizes, step: 0.01, probes: 400, rng: &rng,
            gradient: Self.quadraticGradient(a, x0: (0..<n).map { cos(Double($0)) }, sizes: sizes))
        for b in 0..<2 {
            #expect(abs(traces[b] - exact[b]) / exact[b] < 0.05, "block \(b): \(traces[b]) vs \(exact[b])")
        }
    }
}
