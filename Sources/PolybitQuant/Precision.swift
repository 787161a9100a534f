import Foundation
import PolybitTensor

/// Bit-widths of one layer: weights and input activations; nil means float.
public struct Precision: Hashable, Codable, Sendable, CustomStringConvertible {
    public var weightBits: Int?
    public var activationBits: Int?

    public init(weightBits: Int?, activationBits: Int?) {
        self.weightBits = weightBits; self.activationBits = activationBits
    }

    /// `b` bits for both weights and activations (nil: float).
    public static func uniform(_ bits: Int?) -> Precision { Precision(weightBits: bits, activationBits: bits) }
    public static let float = Precision(weightBits: nil, activationBits: nil)

    public var description: String {
        switch (weightBits, activationBits) {
        case (nil, nil): "fp32"
        case let (w?, a?) where w == a: "\(w)-bit"
        default: "w\(weightBits.map(String.init) ?? "fp32")a\(activationBits.map(String.init) ?? "fp32")"
        }
    }
}

/// A set of bit-widths parsed from the command line: `2,4,8`, `2-8`, `2-8,32` (32 or `fp32`
/// means float). Quantized widths must lie in 2...16.
public struct BitWidthSet: Hashable, Codable, Sendable {
    /// Quantized bit-widths, ascending.
    public var bits: [Int]
    /// Whether float (32-bit) is in the set.
    public var includesFloat: Bool

    public init(bits: [Int], includesFloat: Bool) {
        self.bits = Array(Set(bits)).sorted(); self.includesFloat = includesFloat
    }

    /// Parses `text`; `flag` names the option in errors.
    public init(parsing text: String, flag: String) throws {
        var bits: [Int] = [], float = false
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if part == "32" || part == "fp32" { float = true; continue }
            let ends = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            switch ends.count {
            case 1 where ends[0] != nil: bits.append(ends[0]!)
            case 2 where ends[0] != nil && ends[1] != nil && ends[0]! <= ends[1]!: bits += Array(ends[0]!...ends[1]!)
            default: throw InputError("\(flag) \(text): '\(part)' is not a bit-width or range (e.g. 2,4,8 or 2-8 or 2-8,32)")
            }
        }
        guard let bad = bits.first(where: { !(2...16).contains($0) }) else {
            guard !bits.isEmpty || float else { throw InputError("\(flag) \(text): no bit-widths given") }
            self.init(bits: bits, includesFloat: float)
            return
        }
        throw InputError("\(flag) \(text): \(bad) bits is outside 2...16 (use 32 for float)")
    }

    /// Every precision of the set, highest first, float before all.
    public var precisionsHighestFirst: [Precision] {
        (includesFloat ? [Precision.float] : []) + bits.reversed().map { Precision.uniform($0) }
    }

    public var description: String { (bits.map(String.init) + (includesFloat ? ["32"] : [])).joined(separator: ",") }
}
