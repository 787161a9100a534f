import Foundation
import PolybitTensor

/// Reading precision policies from files a person wrote: every error is one line naming the file,
/// the entry (`layers["stage1.block0.conv1"]` or `default`) and the field.
extension PrecisionPolicy {
    /// Largest policy file read (bytes). A policy has one short entry per layer; a megabyte holds
    /// over ten thousand.
    public static let maximumFileBytes = 1 << 20

    /// Reads a policy file (`{"layers": {...}, "default": {...}}`, either part optional, and an
    /// informational `"pick": {...}` that `polybit pick` writes).
    /// Checks JSON syntax, the size, the shape, field names and that bit counts are whole numbers
    /// (or null); which layers exist and which widths are supported is `validate(layers:supportedBits:file:)`.
    public static func read(from path: String) throws -> PrecisionPolicy {
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
        if let size, size > maximumFileBytes {
            throw InputError("\(path): \(size) bytes; a precision policy is at most \(maximumFileBytes)")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError("\(path): cannot read the policy file")
        }
        return try parse(data, file: path)
    }

    /// Parses policy JSON `data`; `file` names it in errors.
    public static func parse(_ data: Data, file: String) throws -> PrecisionPolicy {
        guard data.count <= maximumFileBytes else {
            throw InputError("\(file): \(data.count) bytes; a precision policy is at most \(maximumFileBytes)")
        }
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data)
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw InputError("\(file): not valid JSON (\(detail))")
        }
        let shape = "expected {\"layers\": {name: {\"weight_bits\": b, \"activation_bits\": b}}, \"default\": {...}}"
        guard let top = json as? [String: Any] else { throw InputError("\(file): \(shape), got \(describe(json))") }
        try checkKeys(top, allowed: ["layers", "default", "pick"], at: "the top level", file: file)
        guard top["layers"] != nil || top["default"] != nil else {
            throw InputError("\(file): neither \"layers\" nor \"default\" given; \(shape)")
        }
        var layers: [String: Entry] = [:]
        if let table = top["layers"] {
            guard let table = table as? [String: Any] else {
                throw InputError("\(file): layers: expected an object {name: {...}}, got \(describe(table))")
            }
            for (name, value) in table { layers[name] = try entry(value, at: fieldPath(layer: name), file: file) }
        }
        let fallback = try top["default"].map { try entry($0, at: "default", file: file) }
        return PrecisionPolicy(
            layers: layers, default: fallback, provenance: try top["pick"].map { try provenance($0, file: file) })
    }

    /// The informational `pick` object: text or number values (at most 64 entries of 1,000
    /// characters), kept as text.
    private static func provenance(_ value: Any, file: String) throws -> [String: String] {
        guard let object = value as? [String: Any], object.count <= 64 else {
            throw InputError(
                "\(file): pick: expected an object of at most 64 text or number fields, got \(describe(value))")
        }
        return try object.mapValues { v in
            switch v {
            case let s as String where s.count <= 1000: return s
            case let n as NSNumber where !isBoolean(n): return "\(n)"
            default:
                throw InputError("\(file): pick: expected text (up to 1000 characters) or numbers, got \(describe(v))")
            }
        }
    }

    /// One `{"weight_bits": b, "activation_bits": b}` object at `path` (either field optional or null).
    private static func entry(_ value: Any, at path: String, file: String) throws -> Entry {
        guard let object = value as? [String: Any] else {
            throw InputError(
                "\(file): \(path): expected {\"weight_bits\": b, \"activation_bits\": b}, got \(describe(value))")
        }
        try checkKeys(object, allowed: ["weight_bits", "activation_bits"], at: path, file: file)
        func bits(_ field: String) throws -> Int? {
            guard let v = object[field], !(v is NSNull) else { return nil }
            guard let n = v as? NSNumber, !isBoolean(n), let d = Double(exactly: n.doubleValue),
                d == d.rounded(), abs(d) <= 2_147_483_648
            else {
                throw InputError(
                    "\(file): \(path).\(field): expected a whole number of bits (or null for float), got \(describe(v))"
                )
            }
            return Int(d)
        }
        return Entry(weight_bits: try bits("weight_bits"), activation_bits: try bits("activation_bits"))
    }

    /// Rejects keys outside `allowed` (a misspelt field would otherwise be ignored).
    private static func checkKeys(_ object: [String: Any], allowed: [String], at path: String, file: String) throws {
        if let key = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw InputError(
                "\(file): \(path): unknown field \"\(key)\" (expected "
                    + allowed.map { "\"\($0)\"" }.joined(separator: " or ") + ")")
        }
    }

    /// Whether JSON number `n` is `true`/`false` (Foundation decodes both as NSNumber).
    private static func isBoolean(_ n: NSNumber) -> Bool { String(cString: n.objCType) == "c" }

    /// A short description of a JSON value for errors (long strings cut).
    private static func describe(_ value: Any) -> String {
        switch value {
        case is NSNull: return "null"
        case let n as NSNumber: return isBoolean(n) ? (n.boolValue ? "true" : "false") : "\(n)"
        case let s as String: return "\"" + (s.count > 40 ? s.prefix(40) + "…" : s) + "\""
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(type(of: value))"
        }
    }
}
