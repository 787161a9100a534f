import Yams

/// Limits on a profile's YAML, checked before its fields are read, so that a hostile or broken
/// file gets one ``ProfileError`` instead of exhausting the stack or memory: Yams composes nested
/// collections recursively (deep nesting overflows the stack), and aliases let a few lines stand
/// for billions of values (an alias bomb) that any walk over the tree would visit.
enum YAMLLimits {
    /// The largest profile text read (the shipped profiles are a few KiB).
    static let maximumBytes = 1 << 20
    /// The deepest flow nesting (`[`/`{`) and the widest indentation (in columns) of a line.
    static let maximumDepth = 64
    /// The most values (scalars and collections, aliases counted as what they repeat) a profile
    /// may expand to.
    static let maximumValues = 100_000

    /// Checks size, nesting and the expanded size of `text`; YAML syntax errors are left to the
    /// loader, which reports them with Yams's position.
    static func check(_ text: String, file: String) throws {
        guard text.utf8.count <= maximumBytes else {
            throw ProfileError(
                file: file, field: "", problem: "is \(text.utf8.count) bytes; profiles are at most \(maximumBytes)")
        }
        if let (line, what) = firstTooDeep(text) {
            throw ProfileError(
                file: file, field: "", problem: "line \(line): \(what) deeper than \(maximumDepth); not a profile")
        }
        guard let root = try? Yams.compose(yaml: text) else { return }
        var budget = maximumValues
        guard count(root, budget: &budget) else {
            throw ProfileError(
                file: file, field: "",
                problem: "expands to more than \(maximumValues) values (aliases repeating aliases?); not a profile")
        }
    }

    /// The first line (1-based) indented by more than `maximumDepth` columns or nesting flow
    /// collections deeper, and which. Brackets inside a quoted scalar closed on the same line do
    /// not count; any other bracket does (an over-count can only refuse a file, never pass one).
    static func firstTooDeep(_ text: String) -> (Int, String)? {
        var flow = 0, line = 1
        var indent = 0, atLineStart = true
        var quote: UInt8? = nil
        let bytes = Array(text.utf8)
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if c == UInt8(ascii: "\n") {
                line += 1; indent = 0; atLineStart = true; quote = nil; i += 1
                continue
            }
            if atLineStart, c == UInt8(ascii: " ") || c == UInt8(ascii: "-") || c == UInt8(ascii: "?") {
                indent += 1
                if indent > maximumDepth { return (line, "indentation") }
                i += 1
                continue
            }
            atLineStart = false
            if let q = quote {
                if c == UInt8(ascii: "\\"), q == UInt8(ascii: "\"") { i += 2; continue }
                if c == q { quote = nil }
            } else if c == UInt8(ascii: "#") {
                while i + 1 < bytes.count, bytes[i + 1] != UInt8(ascii: "\n") { i += 1 }
            } else if c == UInt8(ascii: "'") || c == UInt8(ascii: "\""), closes(bytes, from: i + 1, quote: c) {
                quote = c
            } else if c == UInt8(ascii: "[") || c == UInt8(ascii: "{") {
                flow += 1
                if flow > maximumDepth { return (line, "flow nesting ([ and {)") }
            } else if c == UInt8(ascii: "]") || c == UInt8(ascii: "}") {
                flow = max(0, flow - 1)
            }
            i += 1
        }
        return nil
    }

    /// Whether `quote` appears again before the end of the line starting at `from`.
    private static func closes(_ bytes: [UInt8], from: Int, quote: UInt8) -> Bool {
        var j = from
        while j < bytes.count, bytes[j] != UInt8(ascii: "\n") {
            if bytes[j] == UInt8(ascii: "\\"), quote == UInt8(ascii: "\"") {
                j += 2
                continue
            }
            if bytes[j] == quote { return true }
            j += 1
        }
        return false
    }

    /// Counts `node`'s values against `budget`; false once the budget is spent.
    private static func count(_ node: Node, budget: inout Int) -> Bool {
        budget -= 1
        guard budget >= 0 else { return false }
        switch node {
        case .scalar: return true
        case .sequence(let items): return items.allSatisfy { count($0, budget: &budget) }
        case .mapping(let pairs):
            return pairs.allSatisfy { count($0.key, budget: &budget) && count($0.value, budget: &budget) }
        }
    }
}
