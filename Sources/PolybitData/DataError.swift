import PolybitTensor

/// A dataset file (or directory) the user pointed at is missing or malformed. Bad input: the
/// command line prints `description` on one line and exits with code 2.
public struct DataError: BadInput, Equatable {
    /// The file or directory at fault.
    public let file: String
    /// What is wrong and what was expected.
    public let message: String

    public init(file: String, _ message: String) {
        self.file = file; self.message = message
    }

    public var description: String { "\(file): \(message)" }
}
