import PolybitTensor

/// Hutchinson's estimator of the traces of the diagonal blocks of a Hessian, from gradients only.
///
/// For a Rademacher probe v (entries ±1, independent), E[vᵀHv] = tr(H). The parameters are split
/// into blocks (one per layer); one probe covers every block at once: block b's estimate is
/// v_bᵀ(Hδ)_b / ε_b with the displacement δ_b = ε_b·v_b, since the cross terms v_bᵀH_bk v_k
/// (k ≠ b) vanish in expectation. The Hessian-vector product is a central finite difference of
/// gradients, Hδ ≈ (g(x + δ) − g(x − δ)) / 2 (exact for a quadratic; the NN layers have no
/// double backward), so each probe costs two gradients.
public enum HutchinsonTrace {
    /// The estimated trace of each block, the mean over `probes` probes drawn from `rng`.
    /// - Parameters:
    ///   - blockSizes: the number of parameters of each block.
    ///   - steps: the finite-difference step ε_b of each block (in the parameters' units).
    ///   - gradient: the gradient at the point displaced by `δ` (one array per block, of
    ///     `blockSizes`), one array per block; the point itself must be left unchanged.
    public static func estimate(
        blockSizes: [Int], steps: [Float], probes: Int, rng: inout SeededRNG,
        gradient: ([[Float]]) -> [[Float]]
    ) -> [Double] {
        precondition(blockSizes.count == steps.count && probes > 0, "one step per block, at least one probe")
        var sums = [Double](repeating: 0, count: blockSizes.count)
        for _ in 0..<probes {
            let v = blockSizes.map { n in (0..<n).map { _ in rng.next() & 1 == 0 ? Float(1) : -1 } }
            let plus = gradient(zip(v, steps).map { vb, e in vb.map { $0 * e } })
            let minus = gradient(zip(v, steps).map { vb, e in vb.map { -$0 * e } })
            for b in blockSizes.indices {
                var dot = 0.0
                for i in 0..<blockSizes[b] { dot += Double(v[b][i]) * Double(plus[b][i] - minus[b][i]) }
                sums[b] += dot / (2 * Double(steps[b]))
            }
        }
        return sums.map { $0 / Double(probes) }
    }
}
