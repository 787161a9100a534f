import Foundation
import PolybitTensor

/// A network costed at each precision on one profile while one of its fields takes each value of a
/// `ProfileVariation` (`polybit cost --vary`): where a lower precision stops paying off, e.g. once
/// the array is small enough to be compute-bound at every width, or the DRAM slow enough that
/// every width waits on it.
public struct VariationSweep: Sendable {
    public var variation: ProfileVariation
    /// The profile file as the user gave it.
    public var file: String
    /// One precision sweep per value of the variation (each on the varied profile alone).
    public var sweeps: [CostSweep]

    /// Costs `sweep(profile)` for the profile varied to each value in turn.
    public init(
        variation: ProfileVariation, file: String, profile: HardwareProfile,
        sweep: (HardwareProfile) throws -> CostSweep
    ) throws {
        self.variation = variation
        self.file = file
        sweeps = try variation.values.map { try sweep(try variation.apply($0, to: profile, file: file)) }
    }

    private var bits: [Int] { sweeps.first?.bits ?? [] }

    /// A row per value and precision: latency and energy per image, each against the widest
    /// precision at the same value (`× vs N`: how many times faster or cheaper the narrower width
    /// is there; 1.00 means the width no longer pays off), stall cycles and memory-bound layers.
    public var table: String {
        guard let first = sweeps.first, let widest = bits.last else { return "" }
        let name = first.profiles.first?.profile.name ?? file
        let out = "\(name) (\(file)): \(first.networkName) \(first.input), \(variation.fieldName) varied\n"
        let w = CostSweep.label(widest)
        var rows = [
            [
                variation.fieldName, "bits", "latency ms", "faster than \(w)", "energy uJ", "cheaper than \(w)",
                "stalls", "memory-bound",
            ]
        ]
        for (value, sweep) in zip(variation.values, sweeps) {
            let costs = sweep.profiles[0].costs, top = costs.last!
            for (b, c) in zip(bits, costs) {
                rows.append([
                    fmt(value, value == value.rounded() ? 0 : 2), CostSweep.label(b),
                    fmt(c.latencySecondsPerImage * 1e3, 4), fmt(top.latencySeconds / c.latencySeconds, 2),
                    fmt(c.energyPJPerImage * 1e-6, 3), fmt(top.energy.totalPJ / c.energy.totalPJ, 2),
                    String(Int(c.stallCycles.rounded(.up))),
                    "\(c.layers.filter(\.memoryBound).count)/\(c.layers.count)",
                ])
            }
        }
        return out + alignedColumns(rows)
    }

    /// Latency per image (ms) against the varied value, one line per precision, as an SVG chart
    /// (log x axis when the values span more than a factor of 10).
    public var latencySVG: String {
        let values = variation.values
        let series = bits.indices.map { k in
            (
                name: CostSweep.label(bits[k]) + " bits",
                points: zip(values, sweeps).map { v, s in
                    SVGScatterPlot.Point(
                        x: v, y: s.profiles[0].costs[k].latencySecondsPerImage * 1e3, label: "")
                }
            )
        }
        let span = (values.max() ?? 1) / (values.min() ?? 1)
        return SVGScatterPlot(
            title: "\(sweeps.first?.profiles.first?.profile.name ?? file): latency as \(variation.fieldName) varies",
            xLabel: variation.fieldName, yLabel: "latency per image (ms)", series: series, logX: span > 10
        ).svg
    }

    /// The sweep as JSON: `field`, `values`, and one `polybit cost --json` object per value.
    public var json: JSONValue {
        .object([
            ("field", .string(variation.fieldName)),
            ("values", .array(variation.values.map { .number($0) })),
            ("sweeps", .array(sweeps.map(\.json))),
        ])
    }

    private func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
}
