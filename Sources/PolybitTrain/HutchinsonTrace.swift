import PolybitTensor

/// Hutchinson's estimator of the traces of the diagonal blocks of a Hessian, from gradients only.
///
/// For a Rademacher probe v (entries ±1, independent), E[vᵀHv] = tr(H). The parameters are split
/// into blocks (one per layer); one probe covers every block at once: block b's estimate is
/// v_bᵀ(Hv)_b, since the cross terms v_bᵀH_bk v_k (k ≠ b) vanish in expectation (one step ε for
/// all blocks: a step per block would scale the cross terms by the steps' ratio and inflate the
/// variance). The Hessian-vector product is a central finite difference of gradients,
/// Hv ≈ (g(x + εv) − g(x − εv)) / 2ε (exact for a quadratic; the NN layers have no double
/// backward), so each probe costs two gradients.
public enum HutchinsonTrace {
    /// The estimated trace of each block, the mean over `probes` probes drawn from `rng`.
    /// - Parameters:
    ///   - blockSizes: the number of parameters of each block.
    ///   - step: the finite-difference step ε (in the parameters' units).
    ///   - gradient: the gradient at the point displaced by `δ` (one array per block, of
    ///     `blockSizes`), one array per block; the point itself must be left unchanged.
    public static func estimate(
        blockSizes: [Int], step: Float, probes: Int, rng: inout SeededRNG,
        gradient: ([[Float]]) -> [[Float]]
    ) -> [Double] {
        precondition(step > 0 && probes > 0, "a positive step and at least one probe")
        var sums = [Double](repeating: 0, count: blockSizes.count)
        for _ in 0..<probes {
            let v = blockSizes.map { n in (0..<n).map { _ in rng.next() & 1 == 0 ? Float(1) : -1 } }
            let plus = gradient(v.map { vb in vb.map { $0 * step } })
            let minus = gradient(v.map { vb in vb.map { -$0 * step } })
            for b in blockSizes.indices {
                var dot = 0.0
                for i in 0..<blockSizes[b] { dot += Double(v[b][i]) * Double(plus[b][i] - minus[b][i]) }
                sums[b] += dot / (2 * Double(step))
            }
        }
        return sums.map { $0 / Double(probes) }
    }
}
