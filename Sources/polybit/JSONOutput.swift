import PolybitTensor

/// Prints `value` as exactly one JSON object on standard output (``jsonText(_:pretty:)``: keys
/// sorted, numbers at full precision).
func printJSON<T: Encodable>(_ value: T) throws {
    print(try jsonText(value))
}
