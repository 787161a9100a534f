import Foundation
import Yams

/// A YAML mapping read field by field with validation: every failure is a ``ProfileError``
/// naming the file and the field path; keys not in `known` are rejected (typos).
struct YAMLFields {
    let file: String
    let path: String
    private let values: [String: Node]

    /// Reads `node` as a mapping whose keys must all be in `known`.
    init(_ node: Node?, file: String, path: String, known: [String]) throws {
        self.file = file
        self.path = path
        guard let node, let mapping = node.mapping else {
            throw ProfileError(
                file: file, field: path,
                problem: "expected a mapping of fields, found \(YAMLFields.describe(node))")
        }
        var values: [String: Node] = [:]
        for (key, value) in mapping {
            let name = key.string ?? "?"
            guard known.contains(name) else {
                throw ProfileError(
                    file: file, field: Self.join(path, name),
                    problem: "unknown field (expected one of: \(known.joined(separator: ", ")))")
            }
            values[name] = value
        }
        self.values = values
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// How a found value reads in an error message.
    static func describe(_ node: Node?) -> String {
        guard let node else { return "nothing" }
        switch node {
        case .scalar(let s): return s.string.isEmpty ? "an empty value" : "\"\(s.string)\""
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        }
    }

    func error(_ key: String, _ problem: String) -> ProfileError {
        ProfileError(file: file, field: Self.join(path, key), problem: problem)
    }

    func has(_ key: String) -> Bool { values[key] != nil }

    private func required(_ key: String, _ expected: String) throws -> Node {
        guard let node = values[key] else { throw error(key, "missing (expected \(expected))") }
        return node
    }

    func node(_ key: String) -> Node? { values[key] }

    /// A non-empty string.
    func string(_ key: String) throws -> String {
        let node = try required(key, "a non-empty string")
        guard let s = node.scalar?.string, !s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw error(key, "expected a non-empty string, found \(Self.describe(node))")
        }
        return s
    }

    /// A positive integer.
    func positiveInt(_ key: String) throws -> Int {
        let node = try required(key, "a positive integer")
        guard let s = node.scalar?.string, let v = Int(s), v > 0 else {
            throw error(key, "expected a positive integer, found \(Self.describe(node))")
        }
        return v
    }

    /// `true` or `false`.
    func bool(_ key: String) throws -> Bool {
        let node = try required(key, "true or false")
        switch node.scalar?.string {
        case "true": return true
        case "false": return false
        default: throw error(key, "expected true or false, found \(Self.describe(node))")
        }
    }

    /// A number; `positive` demands > 0, otherwise ≥ 0.
    func number(_ key: String, positive: Bool) throws -> Double {
        let expected = positive ? "a positive number" : "a number ≥ 0"
        let node = try required(key, expected)
        guard let s = node.scalar?.string, let v = Double(s), v.isFinite, positive ? v > 0 : v >= 0 else {
            throw error(key, "expected \(expected), found \(Self.describe(node))")
        }
        return v
    }

    /// One of the raw values of `T`.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) throws -> T
    where T.RawValue == String {
        let options = T.allCases.map(\.rawValue).joined(separator: "|")
        let node = try required(key, "one of \(options)")
        guard let s = node.scalar?.string, let v = T(rawValue: s) else {
            throw error(key, "expected one of \(options), found \(Self.describe(node))")
        }
        return v
    }

    /// A non-empty list of bit-widths in 1...32, strictly ascending.
    func bitList(_ key: String) throws -> [Int] {
        let expected = "a non-empty ascending list of bit-widths in 1-32, e.g. [2, 4, 8]"
        let node = try required(key, expected)
        guard let seq = node.sequence, !seq.isEmpty else {
            throw error(key, "expected \(expected), found \(Self.describe(node))")
        }
        var out: [Int] = []
        for (i, item) in seq.enumerated() {
            guard let s = item.scalar?.string, let v = Int(s), (1...32).contains(v), v > (out.last ?? 0) else {
                throw error("\(key)[\(i)]", "expected \(expected), found \(Self.describe(item))")
            }
            out.append(v)
        }
        return out
    }

    /// A list of strings, each one of the raw values of `T`, no repeats.
    func choiceSet<T: RawRepresentable & CaseIterable & Hashable>(_ key: String, _ type: T.Type) throws -> Set<T>
    where T.RawValue == String {
        let options = T.allCases.map(\.rawValue).joined(separator: ", ")
        let expected = "a non-empty list of \(options)"
        let node = try required(key, expected)
        guard let seq = node.sequence, !seq.isEmpty else {
            throw error(key, "expected \(expected), found \(Self.describe(node))")
        }
        var out = Set<T>()
        for (i, item) in seq.enumerated() {
            guard let s = item.scalar?.string, let v = T(rawValue: s), !out.contains(v) else {
                throw error("\(key)[\(i)]", "expected one of \(options) (no repeats), found \(Self.describe(item))")
            }
            out.insert(v)
        }
        return out
    }

    /// The items of a non-empty list.
    func list(_ key: String, expected: String) throws -> [Node] {
        let node = try required(key, expected)
        guard let seq = node.sequence, !seq.isEmpty else {
            throw error(key, "expected \(expected), found \(Self.describe(node))")
        }
        return Array(seq)
    }

    /// A nested mapping.
    func fields(_ key: String, known: [String]) throws -> YAMLFields {
        let node = try required(key, "a mapping of fields")
        return try YAMLFields(node, file: file, path: Self.join(path, key), known: known)
    }
}
