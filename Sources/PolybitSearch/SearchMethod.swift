/// How `pick` looks for a mixed (per-layer) policy after the uniform sweep.
public enum SearchMethod: String, CaseIterable, Sendable, Codable {
    /// The uniform sweep only.
    case uniform
    /// The bidirectional greedy search on validation accuracy (`GreedySearch`, RFQuant).
    case greedy
    /// Double Rounding's Hessian-aware allocation (`HessianAllocation`): costs only, then one
    /// accuracy evaluation of the policy it ends at.
    case hasb
}
