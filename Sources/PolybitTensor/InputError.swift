/// An error caused by what the user gave (a file, a flag, a profile field), as opposed to an
/// internal failure. The command line prints its description on one line and exits with code 2.
public protocol BadInput: Error, CustomStringConvertible {}

/// A bad-input error with a message naming what is wrong and where.
public struct InputError: BadInput, Equatable {
    /// One line: the file or flag, the field, what was expected and what was found.
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
