import Foundation
import PolybitTensor

/// A (weight, activation) bit-width pair, b_w × b_a.
public struct Precision: Sendable, Hashable, Codable, CustomStringConvertible {
    public var weightBits: Int
    public var activationBits: Int

    public init(weightBits: Int, activationBits: Int) {
        self.weightBits = weightBits
        self.activationBits = activationBits
    }

    /// The same width for weights and activations (`b`x`b`).
    public init(uniform bits: Int) { self.init(weightBits: bits, activationBits: bits) }

    /// `WxA`, e.g. `4x4`.
    public var description: String { "\(weightBits)x\(activationBits)" }

    /// Parses a bit-width list such as `2-8`, `2,4,8` or `2-4,8` (each 1...32) into ascending widths.
    /// - Throws: `InputError` naming `flag` when the text is not such a list.
    public static func parseList(_ text: String, flag: String = "--bits") throws -> [Int] {
        var out = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            let values = ends.map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard (1...2).contains(values.count), let lo = values.first ?? nil, let hi = values.last ?? nil,
                  (1...32).contains(lo), (1...32).contains(hi), lo <= hi else {
                throw InputError("\(flag): expected bit-widths like 2-8 or 2,4,8 (each 1-32), found \"\(text)\"")
            }
            out.formUnion(lo...hi)
        }
        return out.sorted()
    }
}
