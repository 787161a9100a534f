import Foundation

/// The JSON text of `value`: the one encoder every Polybit JSON writer uses (`--json` output,
/// `log.jsonl`, policy files, the cost sweep).
///
/// Object keys are sorted, so the text is stable, and `/` is not escaped. Numbers are written at
/// full round-trip precision: the shortest decimal that reads back as the same `Double` (a
/// `Float` as the shortest decimal of the `Float`, so 0.1 stays `0.1`, not 0.10000000149);
/// integral doubles without a fraction. `pretty` indents the text for files people read.
/// - Throws: `EncodingError` for a non-finite `Double` or `Float` in `value`.
public func jsonText<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting =
        pretty
        ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        : [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
