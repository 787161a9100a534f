import Foundation

/// A Markdown report of accuracy against cost per precision on several profiles, with SVG plots
/// of energy, latency and memory against accuracy.
public struct PrecisionReport {
    /// Run name shown in the title.
    public var title: String
    /// Top-1 accuracy (fraction) per uniform bit-width.
    public var accuracy: [Int: Double]
    /// Costs: one entry per profile, precisions in `sweep.bits` order.
    public var sweep: CostSweep
    /// Free text under the title (recipe, where costs come from).
    public var notes: [String]
    /// Further Markdown sections appended after the cost tables (e.g. the picked policy).
    public var sections: [String] = []

    public init(title: String, accuracy: [Int: Double], sweep: CostSweep, notes: [String]) {
        self.title = title; self.accuracy = accuracy; self.sweep = sweep; self.notes = notes
    }

    /// The figures: file name → SVG text.
    public var plots: [String: String] {
        func plot(_ file: String, _ title: String, _ x: String, _ value: (NetworkCost) -> Double, log: Bool) -> (
            String, String
        ) {
            let series = sweep.profiles.map { p in
                (
                    name: p.profile.name,
                    points: zip(sweep.bits, p.costs).compactMap { b, c -> SVGScatterPlot.Point? in
                        accuracy[b].map { SVGScatterPlot.Point(x: value(c), y: 100 * $0, label: "\(b)b") }
                    }
                )
            }
            return (
                file,
                SVGScatterPlot(title: title, xLabel: x, yLabel: "top-1 accuracy (%)", series: series, logX: log).svg
            )
        }
        return Dictionary(uniqueKeysWithValues: [
            plot(
                "energy.svg", "Accuracy vs energy per inference", "energy (µJ, log scale)", { $0.energy.totalPJ / 1e6 },
                log: true),
            plot(
                "latency.svg", "Accuracy vs latency per inference", "latency (ms, log scale)",
                { $0.latencySeconds * 1e3 }, log: true),
            plot(
                "memory.svg", "Accuracy vs weight + peak activation memory", "memory (KiB)",
                { Double($0.weightBits + $0.peakActivationBits) / 8192 }, log: false),
        ])
    }

    /// The report text (links the plots by file name).
    public var markdown: String {
        var md = "# \(title)\n\n"
        for n in notes { md += "- \(n)\n" }
        md += "\n![energy](energy.svg)\n\n![latency](latency.svg)\n\n![memory](memory.svg)\n"
        for p in sweep.profiles {
            md += "\n## \(p.profile.name) (`\(p.file)`)\n\n"
            md +=
                "| bits | top-1 accuracy | GBitOPs | weight KiB | peak activation KiB | DRAM KiB | latency ms | energy µJ |\n"
            md += "|---|---|---|---|---|---|---|---|\n"
            for (b, c) in zip(sweep.bits, p.costs) {
                let acc = accuracy[b].map { String(format: "%.2f%%", 100 * $0) } ?? "—"
                md += String(
                    format: "| %d | %@ | %.3f | %.1f | %.1f | %.1f | %.4f | %.3f |\n", b, acc,
                    Double(c.bitOps) / 1e9, Double(c.weightBits) / 8192, Double(c.peakActivationBits) / 8192,
                    Double(c.dramBits) / 8192, c.latencySeconds * 1e3, c.energy.totalPJ / 1e6)
            }
        }
        for section in sections { md += "\n" + section }
        return md
    }

    /// Writes `report.md` and the SVGs into `directory` (created if needed), each file atomically.
    public func write(to directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for (name, text) in plots.merging(["report.md": markdown], uniquingKeysWith: { a, _ in a }) {
            try text.write(toFile: directory + "/" + name, atomically: true, encoding: .utf8)
        }
    }
}
