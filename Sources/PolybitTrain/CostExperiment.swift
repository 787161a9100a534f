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

    public init(
        base: TrainingRecipe, splits: DatasetSplits, directory: String, coresetFraction: Double,
        progress: ProgressLine = ProgressLine()
    ) {
        self.base = base; self.splits = splits; self.directory = directory
        self.coresetFraction = coresetFraction; self.progress = progress
    }

    /// The training runs of the experiment, in order: `dedicated-<b>bit` for each deployed width,
    /// then `multibit-full`, `multibit-coreset` and `multibit-random`; each trains in
    /// `directory/<name>`.
    public func plan() throws -> [(name: String, recipe: TrainingRecipe)] {
        try Self.plan(base: base, coresetFraction: coresetFraction)
    }

    /// `plan()` of an experiment on `base` (no data needed).
    public static func plan(base: TrainingRecipe, coresetFraction: Double) throws -> [(
        name: String, recipe: TrainingRecipe
    )] {
        var runs: [(name: String, recipe: TrainingRecipe)] = base.deployedBits().bits.map { b in
            var r = base
            r.bits = BitWidthSet(bits: [b], includesFloat: false); r.deployBits = r.bits; r.coreset = nil
            return ("dedicated-\(b)bit", r)
        }
        var full = base
        full.coreset = nil
        runs.append(("multibit-full", full))
        for score in [CoresetConfig.Score.el2n, .random] {
            var r = base
            var c = base.coreset ?? CoresetConfig(fraction: coresetFraction)
            c.score = score
            // The random arm draws uniform random subsets, whatever rule the coreset arm uses.
            if score == .random { c.selection = .top; c.candidatePool = nil; c.overlap = .free }
            r.coreset = c
            runs.append((score == .el2n ? "multibit-coreset" : "multibit-random", r))
        }
        return runs
    }

    /// Trains the named runs of `plan()` only (resuming any started), e.g. to share the arms
    /// between processes or machines; `run()` then only reads them. With n ranks in
    /// `communicator`, the ranks form g = min(n, runs) groups of consecutive ranks; group k trains
    /// runs k, k+g, ..., data parallel over its ranks. Returns when every rank has finished.
    public func train(_ names: [String], sharedBy communicator: any Communicator = SingleProcess()) throws {
        let planned = try plan()
        try Self.checkArms(names, base: base, coresetFraction: coresetFraction)
        let groups = max(1, min(communicator.size, names.count))
        let group = communicator.rank * groups / communicator.size
        let members = communicator.split(group: group)
        for (i, name) in names.enumerated() where i % groups == group {
            _ = try train(name, planned.first { $0.name == name }!.recipe, communicator: members)
        }
        communicator.barrier()
    }

    /// Throws an `InputError` naming the first of `names` that is not a run of the plan.
    public static func checkArms(_ names: [String], base: TrainingRecipe, coresetFraction: Double) throws {
        let known = try plan(base: base, coresetFraction: coresetFraction).map(\.name)
        if let unknown = names.first(where: { !known.contains($0) }) {
            throw InputError("--arm \(unknown): expected one of \(known.joined(separator: ", "))")
        }
    }

    private func train(
        _ name: String, _ recipe: TrainingRecipe, communicator: any Communicator = SingleProcess()
    ) throws -> TrainingSummary {
        if communicator.isRoot { progress.finish("experiment: \(name)") }
        let trainer = try Trainer(
            recipe: recipe, splits: splits, runDirectory: directory + "/" + name, progress: progress,
            communicator: communicator)
        return try trainer.run(resume: true)
    }

    /// Runs every arm (resuming any that a previous invocation finished or started).
    public func run() throws -> [Arm] {
        let outcomes = try plan().map { name, recipe in
            let summary = try train(name, recipe)
            return RunOutcome(
                name: name, dedicatedWidth: name.hasPrefix("dedicated-") ? recipe.deployedBits().bits[0] : nil,
                accuracy: summary.epochs.last?.test_accuracy_by_precision ?? [:],
                seconds: summary.epochs.reduce(0) { $0 + $1.seconds })
        }
        return Self.arms(outcomes, deployed: base.deployedBits().bits)
    }

    /// One finished training run of the plan.
    public struct RunOutcome: Sendable {
        public var name: String
        /// The one width a `dedicated-<b>bit` run trains and deploys (nil for multi-bit runs).
        public var dedicatedWidth: Int?
        /// Test accuracy (fraction) per precision name ("2-bit", ...) after the last epoch.
        public var accuracy: [String: Double]
        /// Wall-clock seconds of training.
        public var seconds: Double

        public init(name: String, dedicatedWidth: Int?, accuracy: [String: Double], seconds: Double) {
            self.name = name; self.dedicatedWidth = dedicatedWidth; self.accuracy = accuracy; self.seconds = seconds
        }
    }

    /// The arms of the report from the plan's runs: `dedicated` (each dedicated run's accuracy at
    /// its own width, their seconds summed), then each multi-bit run in order. Means are over the
    /// `deployed` widths an arm has; speed-up is the dedicated seconds over the arm's.
    public static func arms(_ runs: [RunOutcome], deployed: [Int]) -> [Arm] {
        let names = deployed.map { "\($0)-bit" }, dedicated = runs.filter { $0.dedicatedWidth != nil }
        var dedicatedAccuracy: [String: Double] = [:]
        for run in dedicated {
            let width = "\(run.dedicatedWidth!)-bit"
            dedicatedAccuracy[width] = run.accuracy[width]
        }
        let dedicatedSeconds = dedicated.reduce(0) { $0 + $1.seconds }
        let rows =
            [("dedicated", dedicatedAccuracy, dedicatedSeconds)]
            + runs.filter { $0.dedicatedWidth == nil }.map { ($0.name, $0.accuracy, $0.seconds) }
        return rows.map { name, acc, sec in
            let kept = names.compactMap { acc[$0] }
            return Arm(
                name: name, accuracy: acc.filter { names.contains($0.key) },
                mean_accuracy: kept.isEmpty ? 0 : kept.reduce(0, +) / Double(kept.count),
                seconds: sec, speedup_vs_dedicated: dedicatedSeconds / max(sec, 1e-9))
        }
    }

    /// Markdown table of the arms (accuracy per width, mean, time, speed-up).
    public static func markdown(_ arms: [Arm], bits: [Int]) -> String {
        var md =
            "| arm | " + bits.map { "\($0)-bit" }.joined(separator: " | ")
            + " | mean | wall-clock s | speed-up vs dedicated |\n"
        md += "|---|" + bits.map { _ in "---|" }.joined() + "---|---|---|\n"
        for a in arms {
            md +=
                "| \(a.name) | "
                + bits.map { b in a.accuracy["\(b)-bit"].map { String(format: "%.2f", 100 * $0) } ?? "—" }
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
                out +=
                    "\(a.name),\(b),\(a.accuracy["\(b)-bit"].map { String($0) } ?? ""),\(a.mean_accuracy),\(a.seconds),\(a.speedup_vs_dedicated)\n"
            }
        }
        return out
    }
}
