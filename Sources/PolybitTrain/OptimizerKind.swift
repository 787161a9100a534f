/// The optimizer of a recipe (its JSON and command-line spelling is the raw value).
public enum OptimizerKind: String, Codable, Sendable, CaseIterable {
    /// SGD with Nesterov momentum.
    case sgd
    case adamw
}
