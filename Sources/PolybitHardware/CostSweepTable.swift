import Foundation
import PolybitQuant

extension CostSweep {
    /// Human-readable tables, one per profile: a row per bit-width with BitOPs, weight and peak
    /// activation memory (packed at the requested widths), DRAM traffic, cycles, latency and energy
    /// with its split; then the notes.
    public var table: String {
        var out = ""
        let edge = edgeBits.map { "stem and classifier at \($0)x\($0)" } ?? "all layers at the swept width"
        for p in profiles {
            let batchNote = batch > 1 ? ", batch \(batch) (latency and energy per batch and per image)" : ""
            out += "\(p.profile.name) (\(p.file)): \(networkName) \(input), \(classes) classes, \(edge)\(batchNote)\n"
            var header = [
                "bits", "GBitOPs", "weight KiB", "peak act KiB", "DRAM KiB", "cycles", "stalls", "util",
                "latency ms",
            ]
            header += batch > 1 ? ["ms/image", "energy uJ", "uJ/image", "compute"] : ["energy uJ", "compute"]
            header += p.profile.memories.map(\.name) + ["DRAM", "leakage"]
            var rows = [header]
            for (b, c) in zip(bits, p.costs) {
                let e = c.energy
                var row = [
                    Self.label(b), fmt(Double(c.bitOps) / 1e9, 3), fmt(kib(c.weightBits), 1),
                    fmt(kib(c.peakActivationBits), 1), fmt(kib(c.dramBits), 1),
                    String(Int(c.latencyCycles.rounded(.up))), String(Int(c.stallCycles.rounded(.up))),
                    fmt(c.utilization, 2), fmt(c.latencySeconds * 1e3, 4),
                ]
                if batch > 1 { row.append(fmt(c.latencySecondsPerImage * 1e3, 4)) }
                row.append(fmt(e.totalPJ * 1e-6, 3))
                if batch > 1 { row.append(fmt(c.energyPJPerImage * 1e-6, 3)) }
                row.append(fmt(e.computePJ * 1e-6, 3))
                row += e.memoryPJ.map { fmt($0 * 1e-6, 3) }
                row += [fmt(e.dramPJ * 1e-6, 3), fmt(e.leakagePJ * 1e-6, 3)]
                rows.append(row)
            }
            out += alignedColumns(rows)
            out +=
                "  (energy columns from \"compute\" on split the total, in uJ; cycles = compute + stalls (first fills and"
                + " transfers beyond compute); util = MACs / peak MACs of the compute cycles;"
                + " weight and activation KiB packed at the requested widths)\n"
            out += Self.memoryBoundLines(bits: bits, costs: p.costs)
            for (b, c) in zip(bits, p.costs) where !c.notes.isEmpty {
                out +=
                    "  note at \(b == Precision.floatBits ? "fp32" : "\(b) bits"): " + c.notes.joined(separator: "; ")
                    + "\n"
            }
            out += "\n"
        }
        return out
    }

    /// One line per width naming the memory-bound layers and their stall cycles, e.g.
    /// `memory-bound at 8 bits: 3 of 22 layers (stem +120, s1b1c1 +40, s1b1c2 +40 cycles)`.
    static func memoryBoundLines(bits: [Int], costs: [NetworkCost]) -> String {
        var out = ""
        for (b, c) in zip(bits, costs) {
            let bound = c.layers.filter(\.memoryBound)
            guard !bound.isEmpty else { continue }
            let list = bound.map { "\($0.name) +\(Int($0.stallCycles.rounded(.up)))" }.joined(separator: ", ")
            out += "  memory-bound at \(label(b)) bits: \(bound.count) of \(c.layers.count) layers (\(list) cycles)\n"
        }
        return out
    }

    private func kib(_ bits: Int) -> Double { Double(bits) / 8192 }

    private func fmt(_ v: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", v) }
}

/// `rows` (the first the header) as a text table: right-aligned columns separated by two spaces,
/// every line indented by two.
public func alignedColumns(_ rows: [[String]]) -> String {
    let widths = rows[0].indices.map { col in rows.map { $0[col].count }.max() ?? 0 }
    return rows.map { row in
        "  "
            + row.enumerated().map { String(repeating: " ", count: widths[$0] - $1.count) + $1 }
            .joined(separator: "  ")
    }.joined(separator: "\n") + "\n"
}
