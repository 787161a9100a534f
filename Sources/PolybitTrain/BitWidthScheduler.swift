import Foundation

/// RFQuant's bit-width scheduler (Tang et al., CVPR 2024, as in its code): at scheduled epochs the
/// layers whose weights sit closest to the rounding boundaries of the candidate grids lose their
/// lowest weight candidate (2 bits) until the next scheduled epoch; the rest get it back.
/// Activation candidates are never removed.
public enum BitWidthScheduler {
    /// The first epoch (0-based) at which the scheduler runs.
    public static let firstEpoch = 5
    /// A weight is near a rounding boundary when it lies more than this many steps from its bin's
    /// centre (within 0.125 steps of the boundary half a step away).
    public static let boundaryDistance: Float = 0.375

    /// The share of `weights` near a rounding boundary of the signed `bits`-bit grid of step `step`:
    /// |w − k·step| > 0.375·step for the bin k = clamp(round(w / step)); in the two edge bins only
    /// the inner side counts (a clipped weight is not near a boundary).
    public static func boundaryShare(_ weights: [Float], step: Float, bits: Int) -> Double {
        let high = Float((1 << (bits - 1)) - 1), low = -Float(1 << (bits - 1))
        var near = 0
        for w in weights {
            let k = min(max((w / step).rounded(.toNearestOrEven), low), high)
            let offset = w / step - k
            if abs(offset) <= boundaryDistance { continue }
            if (k == high && offset > 0) || (k == low && offset < 0) { continue }
            near += 1
        }
        return Double(near) / Double(max(1, weights.count))
    }

    /// A layer's instability: the mean over its candidate widths b of `boundaryShare` at b (with
    /// the layer's step `steps[b]`) divided by b.
    public static func instability(_ weights: [Float], steps: [Int: Float]) -> Double {
        let terms = steps.map { b, s in boundaryShare(weights, step: s, bits: b) / Double(b) }
        return terms.reduce(0, +) / Double(max(1, terms.count))
    }

    /// Whether the scheduler runs at the start of `epoch` (0-based) of `epochs`: from `firstEpoch`,
    /// every 2 epochs until 72% of the run, every 15 after.
    public static func runs(at epoch: Int, epochs: Int) -> Bool {
        guard epoch >= firstEpoch else { return false }
        let period = Double(epoch) < 0.72 * Double(epochs) ? 2 : 15
        return epoch % period == 0
    }

    /// ρ, the share of layers that lose their lowest candidate at `epoch`: a cosine from 0.5 at
    /// epoch 0 to 0.2 at `epochs`.
    public static func dropShare(epoch: Int, epochs: Int) -> Double {
        0.2 + 0.3 * (1 + cos(Double.pi * Double(epoch) / Double(max(1, epochs)))) / 2
    }

    /// The indices of the int(L·`share`) most unstable of the L layers (`instabilities`), most
    /// unstable first, ties to the earlier layer.
    public static func unstableLayers(_ instabilities: [Double], share: Double) -> [Int] {
        let count = Int(Double(instabilities.count) * share)
        let order = instabilities.indices.sorted { (instabilities[$0], -$0) > (instabilities[$1], -$1) }
        return Array(order.prefix(count))
    }

    /// Each layer's weight candidates: `full` without its lowest width for the layers in `removed`
    /// when that width is 2 bits, `full` for the others.
    public static func candidates(full: [Int], layers: Int, removed: Set<Int>) -> [[Int]] {
        (0..<layers).map { removed.contains($0) && full.first == 2 && full.count > 1 ? Array(full.dropFirst()) : full }
    }
}
