import PolybitQuant

/// Stores an optional `BitWidthSet` in a recipe's JSON as its text, e.g. `"2,4,8"` or
/// `"2-8,32"` (the form checkpoints have always used); nil is left out.
@propertyWrapper
public struct BitWidthsAsText: Codable, Equatable, Sendable {
    public var wrappedValue: BitWidthSet?

    public init(wrappedValue: BitWidthSet?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let key = decoder.codingPath.last?.stringValue ?? "bits"
        wrappedValue = try BitWidthSet(parsing: text, flag: key)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue.description) } else { try c.encodeNil() }
    }
}

extension KeyedEncodingContainer {
    /// Leaves an unset bit-width set out of the JSON, as the `String?` of earlier versions did.
    mutating func encode(_ value: BitWidthsAsText, forKey key: Key) throws {
        if let set = value.wrappedValue { try encode(set.description, forKey: key) }
    }
}
