import PolybitTensor

/// A recipe setting that is out of range or contradicts another. The message may name other
/// fields; `description(naming:)` renders every field with a caller's names (the command line
/// uses its flags), `description` with the fields' JSON paths.
public struct RecipeError: BadInput, Equatable {
    /// The field at fault.
    public var field: RecipeField
    /// What is wrong, usually starting with the offending value: `0: expected a positive number`.
    public var message: RecipeMessage

    public init(_ field: RecipeField, _ message: RecipeMessage) { self.field = field; self.message = message }

    /// `<field> <message>` with every field written as `name(field)`.
    public func description(naming name: (RecipeField) -> String) -> String {
        name(field) + " " + message.rendered(naming: name)
    }

    public var description: String { description(naming: \.path) }
}

/// Text that mentions recipe fields: `"needs \(.bits)"` keeps `.bits` as a field, so each
/// reader of the message can name it its own way.
public struct RecipeMessage: ExpressibleByStringInterpolation, Equatable, Sendable {
    public enum Part: Equatable, Sendable {
        case text(String)
        case field(RecipeField)
    }

    public var parts: [Part]

    public init(stringLiteral value: String) { parts = [.text(value)] }
    public init(stringInterpolation: Interpolation) { parts = stringInterpolation.parts }

    public struct Interpolation: StringInterpolationProtocol {
        var parts: [Part] = []
        public init(literalCapacity: Int, interpolationCount: Int) {}
        public mutating func appendLiteral(_ literal: String) { parts.append(.text(literal)) }
        public mutating func appendInterpolation(_ field: RecipeField) { parts.append(.field(field)) }
        public mutating func appendInterpolation<T>(_ value: T) { parts.append(.text("\(value)")) }
    }

    /// The message with each field written as `name(field)`.
    public func rendered(naming name: (RecipeField) -> String) -> String {
        parts.map { part in
            switch part {
            case .text(let text): text
            case .field(let field): name(field)
            }
        }.joined()
    }
}
