/// The product of two activation tensors per head (attention's `Q·Kᵀ` and `A·V`), requantized.
///
/// For each of `heads` heads, `a` is `M × K` and `b` is `K × N` (or `N × K` when `transposeB`),
/// both row-major; `acc[m][n] = Σ_k (a[m][k] − zp_a) · (b[k][n] − zp_b)` is exact in Int64
/// (operands of at most 24 bits and `K ≤ 2^14` keep `|acc| < 2^63`), then `Requant.apply` with
/// the layer's one-channel requantization (real multiplier `S_a · S_b / S_y`). This is ONNX
/// `QLinearMatMul` (onnx mode) or TFLite's quantized batch matmul (fixed-point modes). The
/// accumulator width of `SimulationConfig` applies to conv/linear only.
public enum ActivationMatmul {
    /// Largest reduction length K.
    public static let maximumReduction = 1 << 14

    /// Runs the product for every head; `y` receives `heads × M × N` codes.
    public static func run(
        _ a: UnsafePointer<Int32>, _ qa: Quantization, _ b: UnsafePointer<Int32>, _ qb: Quantization,
        heads: Int, m: Int, k: Int, n: Int, transposeB: Bool, requant r: Requantization,
        output q: Quantization, mode: RequantMode, into y: UnsafeMutablePointer<Int32>
    ) {
        let za = Int64(qa.zeroPoint), zb = Int64(qb.zeroPoint)
        let zo = Int32(q.zeroPoint), lo = Int32(q.qmin), hi = Int32(q.qmax)
        // b[k][n] sits at kStride·k + nStride·n.
        let kStride = transposeB ? 1 : n, nStride = transposeB ? k : 1
        for h in 0..<heads {
            let ah = a + h * m * k, bh = b + h * k * n, yh = y + h * m * n
            for i in 0..<m {
                let row = ah + i * k
                for j in 0..<n {
                    let col = bh + j * nStride
                    var acc: Int64 = 0
                    for t in 0..<k { acc += (Int64(row[t]) - za) * (Int64(col[t * kStride]) - zb) }
                    yh[i * n + j] = Requant.apply(
                        acc, fractionBits: 0, mode: mode, scale: r.scale[0], multiplier: r.multiplier[0],
                        shift: r.shift[0], zeroPoint: zo, qmin: lo, qmax: hi)
                }
            }
        }
    }
}

/// Parameters of a `matmul` layer.
public struct MatmulParameters: Sendable, Equatable {
    /// True when the second input is `[H, N, K]` (attention's `Kᵀ`).
    public var transposeB: Bool
    /// One-channel requantization of the accumulator (real multiplier `S_a · S_b / S_y`).
    public var requant: Requantization

    public init(transposeB: Bool, requant: Requantization) { self.transposeB = transposeB; self.requant = requant }
}
