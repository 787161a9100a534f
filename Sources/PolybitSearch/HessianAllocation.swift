/// HASB's search after training (Double Rounding, Huang et al.; ALGORITHMS.md §5): bits go where
/// the loss is most curved. The paper solves an ILP maximizing `Σ_l (t_l / n_l) · b_l` (layer `l`'s
/// Hessian trace `t_l` over its `n_l` weights, times its bit-width) under a mean bit-width; the
/// objective grows with the bits of sensitive layers, so maximizing is the direction that gives
/// them more. Polybit keeps the objective and replaces the mean-width constraint by the pick's
/// budgets on the hardware profiles, solved greedily as a knapsack:
///
/// from every unit at the lowest width, each step considers raising any one unit to its next width,
/// keeps the raises whose assignment still fits every budget, and applies the one with the largest
/// gain `s_u · (b' − b)` per added budget use (`Budgets.use`; a raise that adds no use, on hardware
/// whose cost ignores that width, comes first); it stops when no raise fits. A weight unit's
/// sensitivity `s_u` is `t_l / n_l`; an activation unit's, which the paper does not separate from its
/// layer, is the sum over the weight units that read it. Only costs are computed: no accuracy
/// evaluation.
public enum HessianAllocation {
    /// The assignment the allocation ends at. `weightSensitivity` follows `space.weightUnits`
    /// (`t_l / n_l`, ≥ 0); `figures` costs an assignment on every profile.
    /// - Precondition: one sensitivity per weight unit; the lowest assignment fits (`pick` checks it).
    public static func run(
        space: SearchSpace, weightSensitivity: [Double], budgets: Budgets,
        figures: (BitAssignment) throws -> CostFigures
    ) throws -> BitAssignment {
        precondition(weightSensitivity.count == space.weightUnits.count, "one sensitivity per weight unit")
        let activationSensitivity = space.activationUnits.map { readers in
            readers.reduce(0.0) { sum, layer in
                sum + (space.weightUnits.firstIndex(of: layer).map { weightSensitivity[$0] } ?? 0)
            }
        }
        let widths = space.widths
        var current = space.uniform(widths[0])
        var use = budgets.use(try figures(current))
        while true {
            var best: (assignment: BitAssignment, use: Double, ratio: Double)?
            for (isWeight, unit) in space.weightUnits.indices.map({ (true, $0) })
                + space.activationUnits.indices.map({ (false, $0) })
            {
                let bits = isWeight ? current.weightBits[unit] : current.activationBits[unit]
                guard let next = widths.first(where: { $0 > bits }) else { continue }
                var raised = current
                if isWeight { raised.weightBits[unit] = next } else { raised.activationBits[unit] = next }
                let raisedUse = budgets.use(try figures(raised))
                guard raisedUse <= 1 else { continue }
                let gain = (isWeight ? weightSensitivity[unit] : activationSensitivity[unit]) * Double(next - bits)
                let ratio = gain / max(raisedUse - use, 1e-12)
                if best == nil || ratio > best!.ratio { best = (raised, raisedUse, ratio) }
            }
            guard let best else { return current }
            current = best.assignment; use = best.use
        }
    }
}
