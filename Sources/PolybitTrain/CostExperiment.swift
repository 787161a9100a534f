import Foundation
import PolybitData
import PolybitQuant
import PolybitTensor

/// The training-cost experiment: on the same data, model and epoch budget, train
/// (1) one dedicated model per deployed bit-width, (2) one multi-bit model on all the data,
/// (3) one multi-bit model with bit-wise coresets, (4) one with random subsets of the same size;
/// then compare accuracy at every deployed width and wall-clock time (scoring passes included).
public struct CostExperiment {
    /// One trained configuration's outcome.
    public struct Arm: Codable, Sendable {
        public var name: String
        /// Test accuracy (fraction) per deployed precision name ("2-bit", ...).
        public var accuracy: [String: Double]
        public var mean_accuracy: Double
        /// Wall-clock seconds of training (coreset scoring passes included, per-epoch evaluation not).
        public var seconds: Double
        /// Dedicated seconds / this arm's seconds.
        public var speedup_vs_dedicated: Double
    }

    public var base: TrainingRecipe
    public var splits: DatasetSplits
    public var directory: String
    public var coresetFraction: Double
    public var progress: ProgressLine

    public init(base: TrainingRecipe, splits: DatasetSplits, directory: String, coresetFraction: Double,
                progress: ProgressLine = ProgressLine()) {
        self.base = base; self.splits = splits; self.directory = directory
        self.coresetFraction = coresetFraction; self.progress = progress
    }

    /// Runs every arm (resuming any that a previous invocation finished or started).
    public func run() throws -> [Arm] {
        let deployed = try base.deployedBits()
        func train(_ name: String, _ recipe: TrainingRecipe) throws -> (accuracy: [String: Double], seconds: Double) {
            progress.finish("experiment: \(name)")
            let trainer = try Trainer(recipe: recipe, splits: splits, runDirectory: directory + "/" + name, progress: progress)
            let summary = try trainer.run(resume: true)
            let seconds = summary.epochs.reduce(0) { $0 + $1.seconds }
            return (summary.epochs.last?.test_accuracy_by_precision ?? [:], seconds)
        }
        var dedicatedAccuracy: [String: Double] = [:], dedicatedSeconds = 0.0
        for b in deployed.bits {
            var r = base
            r.bits = "\(b)"; r.deployBits = "\(b)"; r.coreset = nil
            let (acc, sec) = try train("dedicated-\(b)bit", r)
            dedicatedAccuracy["\(b)-bit"] = acc["\(b)-bit"]
            dedicatedSeconds += sec
        }
        var arms: [(String, [String: Double], Double)] = [("dedicated", dedicatedAccuracy, dedicatedSeconds)]
        var full = base
        full.coreset = nil
        let (fa, fs) = try train("multibit-full", full)
        arms.append(("multibit-full", fa, fs))
        for score in [CoresetConfig.Score.el2n, .random] {
            var r = base
            var c = base.coreset ?? CoresetConfig(fraction: coresetFraction)
            c.score = score
            if score == .random { c.selection = .top }  // uniform random subsets
            r.coreset = c
            let name = score == .el2n ? "multibit-coreset" : "multibit-random"
            let (a, s) = try train(name, r)
            arms.append((name, a, s))
        }
        let names = deployed.bits.map { "\($0)-bit" }
        return arms.map { name, acc, sec in
            let kept = names.compactMap { acc[$0] }
            return Arm(name: name, accuracy: acc.filter { names.contains($0.key) },
                       mean_accuracy: kept.isEmpty ? 0 : kept.reduce(0, +) / Double(kept.count),
                       seconds: sec, speedup_vs_dedicated: dedicatedSeconds / max(sec, 1e-9))
        }
    }

    /// Markdown table of the arms (accuracy per width, mean, time, speed-up).
    public static func markdown(_ arms: [Arm], bits: [Int]) -> String {
        var md = "| arm | " + bits.map { "\($0)-bit" }.joined(separator: " | ") + " | mean | wall-clock s | speed-up vs dedicated |\n"
        md += "|---|" + bits.map { _ in "---|" }.joined() + "---|---|---|\n"
        for a in arms {
            md += "| \(a.name) | " + bits.map { b in a.accuracy["\(b)-bit"].map { String(format: "%.2f", 100 * $0) } ?? "—" }
                .joined(separator: " | ")
            md += String(format: " | %.2f | %.0f | %.2fx |\n", 100 * a.mean_accuracy, a.seconds, a.speedup_vs_dedicated)
        }
        return md
    }

    /// CSV: one row per arm and bit-width.
    public static func csv(_ arms: [Arm], bits: [Int]) -> String {
        var out = "arm,bits,accuracy,mean_accuracy,seconds,speedup_vs_dedicated\n"
        for a in arms {
            for b in bits {
                out += "\(a.name),\(b),\(a.accuracy["\(b)-bit"].map { String($0) } ?? ""),\(a.mean_accuracy),\(a.seconds),\(a.speedup_vs_dedicated)\n"
            }
        }
        return out
    }
}
