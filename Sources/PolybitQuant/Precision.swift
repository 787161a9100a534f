import Foundation
import PolybitTensor

/// Bit-widths of one layer: weights and input activations; nil means float.
///
/// The one precision vocabulary of Polybit: training and evaluation (PolybitQuant, PolybitTrain),
/// the integer simulator, the hardware cost model and the search all use it. Hardware sees a float
/// operand as ``floatBits`` bits wide (``weightOperandBits``, ``activationOperandBits``).
public struct Precision: Hashable, Codable, Sendable, CustomStringConvertible {
    public var weightBits: Int?
    public var activationBits: Int?

    public init(weightBits: Int?, activationBits: Int?) {
        self.weightBits = weightBits; self.activationBits = activationBits
    }

    /// `b` bits for both weights and activations (nil: float).
    public static func uniform(_ bits: Int?) -> Precision { Precision(weightBits: bits, activationBits: bits) }
    public static let float = Precision(weightBits: nil, activationBits: nil)

    /// The width that stands for float: `32` in a bit-width list (`--bits 2-8,32`), and the
    /// operand width the cost model gives a float operand.
    public static let floatBits = 32

    /// The precision of operands `weightBits`×`activationBits` bits wide as hardware sees them;
    /// ``floatBits`` (32) means float, as in a bit-width list.
    public init(operandBits weightBits: Int, _ activationBits: Int) {
        func width(_ b: Int) -> Int? { b == Self.floatBits ? nil : b }
        self.init(weightBits: width(weightBits), activationBits: width(activationBits))
    }

    /// Weight operand width in bits (``floatBits`` for float).
    public var weightOperandBits: Int { weightBits ?? Self.floatBits }
    /// Activation operand width in bits (``floatBits`` for float).
    public var activationOperandBits: Int { activationBits ?? Self.floatBits }

    /// `8-bit`, `fp32`, or `w4a8` when the widths differ (the keys of training logs and reports).
    public var description: String {
        switch (weightBits, activationBits) {
        case (nil, nil): "fp32"
        case (let w?, let a?) where w == a: "\(w)-bit"
        default: "w\(weightBits.map(String.init) ?? "fp32")a\(activationBits.map(String.init) ?? "fp32")"
        }
    }

    /// Weight × activation widths as hardware reports write them: `4x4`, `fp32x8`, or `fp32`
    /// when both operands are float.
    public var operandDescription: String {
        guard weightBits != nil || activationBits != nil else { return "fp32" }
        return "\(weightBits.map(String.init) ?? "fp32")x\(activationBits.map(String.init) ?? "fp32")"
    }
}

/// A set of bit-widths parsed from the command line: `2,4,8`, `2-8`, `2-8,32` (32 or `fp32`
/// means float). Quantized widths must lie in 2...16. This is the one bit-width-list rule of
/// every command (`train`, `eval`, `pick`, `cost`, `bench train`).
public struct BitWidthSet: Hashable, Codable, Sendable {
    /// Quantized bit-widths, ascending.
    public var bits: [Int]
    /// Whether float (32-bit) is in the set.
    public var includesFloat: Bool

    /// Quantized widths a list may hold.
    public static let quantizedRange = 2...16

    public init(bits: [Int], includesFloat: Bool) {
        self.bits = Array(Set(bits)).sorted(); self.includesFloat = includesFloat
    }

    /// Parses `text`; `flag` names the option in errors.
    public init(parsing text: String, flag: String) throws {
        var bits: [Int] = [], float = false
        for part in text.split(separator: ",", omittingEmptySubsequences: false).map({
            $0.trimmingCharacters(in: .whitespaces)
        }) {
            if part == "\(Precision.floatBits)" || part == "fp32" { float = true; continue }
            let ends = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            switch ends.count {
            case 1 where ends[0] != nil: bits.append(ends[0]!)
            case 2 where ends[0] != nil && ends[1] != nil && ends[0]! <= ends[1]!:
                // A range is expanded only between valid ends (`1-9000000000000000000` must get
                // the error below, not an array of 9e18 widths; found by tools/fuzz.sh recipe).
                let (low, high) = (ends[0]!, ends[1]!)
                let valid = Self.quantizedRange.contains(low) && Self.quantizedRange.contains(high)
                bits += valid ? Array(low...high) : [low, high]
            default:
                throw InputError("\(flag) \(text): '\(part)' is not a bit-width or range (e.g. 2,4,8 or 2-8 or 2-8,32)")
            }
        }
        let range = Self.quantizedRange
        guard let bad = bits.first(where: { !range.contains($0) }) else {
            guard !bits.isEmpty || float else { throw InputError("\(flag) \(text): no bit-widths given") }
            self.init(bits: bits, includesFloat: float)
            return
        }
        throw InputError(
            "\(flag) \(text): \(bad) bits is outside \(range.lowerBound)...\(range.upperBound) (use 32 for float)")
    }

    /// Every precision of the set, highest first, float before all.
    public var precisionsHighestFirst: [Precision] {
        (includesFloat ? [Precision.float] : []) + bits.reversed().map { Precision.uniform($0) }
    }

    /// The set as operand widths, ascending, float as ``Precision/floatBits`` (last): the rows
    /// of `polybit cost`.
    public var operandWidths: [Int] { bits + (includesFloat ? [Precision.floatBits] : []) }

    public var description: String { operandWidths.map(String.init).joined(separator: ",") }
}
