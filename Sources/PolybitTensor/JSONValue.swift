/// A JSON value built field by field (the `--json` output of `polybit cost`), written through
/// ``jsonText(_:pretty:)`` like every other JSON Polybit writes.
public enum JSONValue: Sendable, Encodable {
    /// A number (non-finite values are written as null).
    case number(Double)
    case integer(Int)
    case string(String)
    case bool(Bool)
    case null
    case array([JSONValue])
    /// Fields in any order; the text lists them sorted by key, like every Polybit JSON object.
    case object([(String, JSONValue)])

    /// Compact JSON text: numbers at full round-trip precision, object keys sorted.
    public var text: String {
        do { return try jsonText(self) } catch { preconditionFailure("a JSONValue always encodes: \(error)") }
    }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .number(let v):
            var c = encoder.singleValueContainer()
            if v.isFinite { try c.encode(v) } else { try c.encodeNil() }
        case .integer(let v):
            var c = encoder.singleValueContainer()
            try c.encode(v)
        case .string(let s):
            var c = encoder.singleValueContainer()
            try c.encode(s)
        case .bool(let b):
            var c = encoder.singleValueContainer()
            try c.encode(b)
        case .null:
            var c = encoder.singleValueContainer()
            try c.encodeNil()
        case .array(let items):
            var c = encoder.unkeyedContainer()
            for item in items { try c.encode(item) }
        case .object(let fields):
            var c = encoder.container(keyedBy: Key.self)
            for (key, value) in fields { try c.encode(value, forKey: Key(stringValue: key)) }
        }
    }
}
