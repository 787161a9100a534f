import Foundation
import PolybitTensor

/// Several runs of the training-cost experiment (other seeds, coreset fractions or machines, each
/// in its own folder) merged into one table: per arm and bit-width the mean test accuracy over the
/// runs with its range, and the mean speed-up. The runs are read from their `experiment.csv`
/// (`CostExperiment.csv`); they must report the same arms and widths.
public struct ExperimentMerge: Codable, Sendable {
    /// One arm over the runs.
    public struct Arm: Codable, Sendable, Equatable {
        public var name: String
        /// Per deployed width ("2-bit", ...): the accuracies (fractions) of the runs, in run order.
        public var accuracy: [String: [Double]]
        /// The mean over widths of each run.
        public var mean_accuracy: [Double]
        public var speedup_vs_dedicated: [Double]
    }

    public var runs: [String]
    public var bits: [Int]
    public var arms: [Arm]

    /// Reads `experiment.csv` of every folder in `directories` (at least one); an `InputError`
    /// names the file that is missing, malformed, or disagrees with the first on arms or widths.
    public init(directories: [String]) throws {
        guard !directories.isEmpty else { throw InputError("experiment merge: no experiment folders given") }
        var tables: [(bits: [Int], arms: [(String, [Int: Double], Double, Double)])] = []
        for dir in directories { tables.append(try Self.read(dir + "/experiment.csv")) }
        let first = tables[0]
        for (dir, t) in zip(directories, tables).dropFirst()
        where t.bits != first.bits || t.arms.map(\.0) != first.arms.map(\.0) {
            throw InputError(
                "\(dir)/experiment.csv: arms \(t.arms.map(\.0)) at widths \(t.bits) differ from \(directories[0])'s \(first.arms.map(\.0)) at \(first.bits)"
            )
        }
        runs = directories; bits = first.bits
        arms = first.arms.indices.map { i in
            Arm(
                name: first.arms[i].0,
                accuracy: Dictionary(
                    uniqueKeysWithValues: first.bits.map { b in
                        ("\(b)-bit", tables.compactMap { $0.arms[i].1[b] })
                    }),
                mean_accuracy: tables.map { $0.arms[i].2 }, speedup_vs_dedicated: tables.map { $0.arms[i].3 })
        }
    }

    /// The rows of one `experiment.csv`: widths in order, and per arm (in order) its accuracy by
    /// width (absent where empty), mean accuracy and speed-up.
    static func read(_ path: String) throws -> (bits: [Int], arms: [(String, [Int: Double], Double, Double)]) {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw InputError("\(path): cannot be read (run `polybit experiment cost --out` on that folder first)")
        }
        let lines = text.split(separator: "\n").map(String.init)
        guard lines.first == "arm,bits,accuracy,mean_accuracy,seconds,speedup_vs_dedicated", lines.count > 1 else {
            throw InputError("\(path): not an experiment table (expected the header of `polybit experiment cost`)")
        }
        var bits: [Int] = [], arms: [(String, [Int: Double], Double, Double)] = []
        for (n, line) in lines.dropFirst().enumerated() {
            let f = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            guard f.count == 6, let b = Int(f[1]), let mean = Double(f[3]), let speedup = Double(f[5]),
                f[2].isEmpty || Double(f[2]) != nil
            else { throw InputError("\(path): line \(n + 2) is not `arm,bits,accuracy,mean,seconds,speed-up`") }
            if arms.last?.0 != f[0] { arms.append((f[0], [:], mean, speedup)) }
            if arms.count == 1 { bits.append(b) }
            arms[arms.count - 1].1[b] = Double(f[2])
        }
        return (bits, arms)
    }

    /// Markdown: per arm and width the mean accuracy (%) over the runs and, with several runs, its
    /// range; the mean of the per-run means with its range; the mean speed-up.
    public var markdown: String {
        let header =
            "| arm | " + bits.map { "\($0)-bit" }.joined(separator: " | ") + " | mean | speed-up vs dedicated |\n"
        var md = header + "|---|" + bits.map { _ in "---|" }.joined() + "---|---|\n"
        for a in arms {
            let cells = bits.map { b in Self.cell(a.accuracy["\(b)-bit"] ?? []) } + [Self.cell(a.mean_accuracy)]
            let speedup = a.speedup_vs_dedicated.reduce(0, +) / Double(max(1, a.speedup_vs_dedicated.count))
            md += "| \(a.name) | " + cells.joined(separator: " | ") + String(format: " | %.2fx |\n", speedup)
        }
        return md + "\nMean over \(runs.count) run\(runs.count == 1 ? "" : "s") (\(runs.joined(separator: ", "))); "
            + "the range in parentheses is the lowest and highest run.\n"
    }

    /// `mean (low–high)` in percent, the mean alone for one value, `—` for none.
    static func cell(_ values: [Double]) -> String {
        guard let low = values.min(), let high = values.max() else { return "—" }
        let mean = String(format: "%.2f", 100 * values.reduce(0, +) / Double(values.count))
        return values.count == 1 ? mean : mean + String(format: " (%.2f–%.2f)", 100 * low, 100 * high)
    }
}
