import Foundation
import PolybitHardware
import PolybitTensor

/// A cost a budget can bound, named as in `--budget KIND=VALUE` and in the JSON output (the unit
/// is part of the name). All are per inference of one image on one hardware profile.
public enum BudgetKind: String, CaseIterable, Sendable, Codable {
    /// Total energy, µJ.
    case energy_uJ
    /// Latency, ms.
    case latency_ms
    /// Weights as the hardware stores them plus the peak live activations as stored, KiB.
    case memory_KiB
    /// Weights as the hardware stores them, KiB.
    case weight_KiB
    /// BitOPs = Σ MACs·b_w·b_a at the requested widths, 10^9 (the same on every profile).
    case bitops_G

    /// This figure of `cost`, in the kind's unit.
    public func value(of cost: NetworkCost) -> Double {
        switch self {
        case .energy_uJ: cost.energy.totalPJ * 1e-6
        case .latency_ms: cost.latencySeconds * 1e3
        case .memory_KiB: Double(cost.weightStoredBits + cost.peakActivationStoredBits) / 8192
        case .weight_KiB: Double(cost.weightStoredBits) / 8192
        case .bitops_G: Double(cost.bitOps) * 1e-9
        }
    }
}

/// An upper bound on one cost: `kind` ≤ `limit` (in the kind's unit) on every profile.
public struct Budget: Sendable, Hashable, CustomStringConvertible {
    public var kind: BudgetKind
    /// The largest allowed value, in the unit of `kind`; positive.
    public var limit: Double

    public init(kind: BudgetKind, limit: Double) {
        self.kind = kind; self.limit = limit
    }

    /// Parses `KIND=VALUE`, e.g. `energy_uJ=50`; VALUE is a decimal number (`0.25`, `1e3`).
    /// - Throws: `InputError` naming `--budget` for an unknown kind or a value that is not a
    ///   positive finite decimal number (hexadecimal, `nan` and `inf` are refused).
    public init(parsing text: String) throws {
        let kinds = BudgetKind.allCases.map(\.rawValue).joined(separator: ", ")
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        let shown = Self.shown(text)
        guard parts.count == 2 else {
            throw InputError("--budget \(shown): expected KIND=VALUE with KIND one of \(kinds), e.g. energy_uJ=50")
        }
        guard let kind = BudgetKind(rawValue: parts[0]) else {
            throw InputError("--budget \(shown): unknown kind '\(Self.shown(parts[0]))'; expected one of \(kinds)")
        }
        guard parts[1].allSatisfy({ "0123456789.eE+-".contains($0) }), let limit = Double(parts[1]),
            limit.isFinite, limit > 0
        else {
            throw InputError("--budget \(shown): '\(Self.shown(parts[1]))' is not a positive number")
        }
        self.init(kind: kind, limit: limit)
    }

    /// `text` as an error shows it: as given, or escaped and cut to 60 characters when it holds
    /// control characters or is longer, so the error stays one readable line.
    static func shown(_ text: String) -> String {
        let plain = text.count <= 60 && !text.unicodeScalars.contains { $0.properties.generalCategory == .control }
        return plain
            ? text
            : String(String(text.prefix(60)).debugDescription.dropFirst().dropLast()) + (text.count > 60 ? "…" : "")
    }

    /// `KIND=VALUE`, e.g. `energy_uJ=40` or `latency_ms=0.25`.
    public var description: String {
        "\(kind.rawValue)=" + (limit == limit.rounded() && limit < 1e15 ? String(Int(limit)) : String(limit))
    }
}

/// The figures a budget can bound for one candidate: one dictionary per profile, in profile order.
public struct CostFigures: Sendable, Hashable {
    public var perProfile: [[BudgetKind: Double]]

    public init(perProfile: [[BudgetKind: Double]]) { self.perProfile = perProfile }

    /// Every kind's value of each of `costs` (one per profile).
    public init(_ costs: [NetworkCost]) {
        perProfile = costs.map { cost in
            Dictionary(uniqueKeysWithValues: BudgetKind.allCases.map { ($0, $0.value(of: cost)) })
        }
    }
}

/// Several budgets that must all hold on every profile.
public struct Budgets: Sendable, Hashable {
    public var budgets: [Budget]

    public init(_ budgets: [Budget]) { self.budgets = budgets }

    /// The largest value / limit over every budget and profile: at most 1 when all budgets hold.
    public func use(_ figures: CostFigures) -> Double {
        var worst = 0.0
        for profile in figures.perProfile {
            for b in budgets { worst = max(worst, (profile[b.kind] ?? .infinity) / b.limit) }
        }
        return worst
    }

    /// True when every budget holds on every profile.
    public func fit(_ figures: CostFigures) -> Bool { use(figures) <= 1 }

    /// The budgets `figures` breaks, each with the profile and the value found there:
    /// `energy_uJ=5 (BitFusion: 63.21)`. `profileNames` follows the profile order of `figures`.
    public func violations(_ figures: CostFigures, profileNames: [String]) -> [String] {
        budgets.compactMap { b in
            let over = zip(profileNames, figures.perProfile).compactMap { name, values -> String? in
                let v = values[b.kind] ?? .infinity
                return v > b.limit ? "\(name): \(formatted(v))" : nil
            }
            return over.isEmpty ? nil : "\(b) (\(over.joined(separator: ", ")))"
        }
    }
}

/// Four significant digits, no exponent for everyday magnitudes.
func formatted(_ value: Double) -> String {
    let digits = value == 0 ? 0 : max(0, 3 - Int(log10(abs(value)).rounded(.down)))
    return String(format: "%.\(min(digits, 6))f", value)
}
