import PolybitTensor

/// A hardware profile that cannot be used: names the file, the field path (e.g.
/// `compute.macs_per_cycle`, `memory[1].holds`) and what was expected. Bad input (exit code 2).
public struct ProfileError: BadInput, Equatable {
    /// The profile file as the user gave it.
    public let file: String
    /// Dotted path of the field, empty for the whole file.
    public let field: String
    /// What was expected and what was found.
    public let problem: String

    public init(file: String, field: String, problem: String) {
        self.file = file
        self.field = field
        self.problem = problem
    }

    /// `file: field: problem` on one line.
    public var description: String {
        field.isEmpty ? "\(file): \(problem)" : "\(file): \(field): \(problem)"
    }
}
