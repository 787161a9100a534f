import Foundation
import PolybitTensor
import PolybitTrain
import Testing

struct ExperimentMergeTests {
    /// Writes `experiment.csv` (as `CostExperiment.csv` writes it) of arms `dedicated` and `multibit-full` at widths 2 and 8 into a new
    /// folder, with the given accuracies (fractions) and speed-ups.
    static func experiment(dedicated: (Double, Double), full: (Double, Double), speedup: Double) throws -> String {
        let dir = NSTemporaryDirectory() + "polybit-merge-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        func rows(_ arm: String, _ acc: (Double, Double), _ speedup: Double) -> String {
            let mean = (acc.0 + acc.1) / 2
            return "\(arm),2,\(acc.0),\(mean),100,\(speedup)\n\(arm),8,\(acc.1),\(mean),100,\(speedup)\n"
        }
        let csv =
            "arm,bits,accuracy,mean_accuracy,seconds,speedup_vs_dedicated\n" + rows("dedicated", dedicated, 1)
            + rows("multibit-full", full, speedup)
        try csv.write(toFile: dir + "/experiment.csv", atomically: true, encoding: .utf8)
        return dir
    }

    /// Two seeds: per arm and width the runs' accuracies in order; the table shows mean (low–high)
    /// and the mean speed-up.
    @Test func meansAndRangesOverRuns() throws {
        let a = try Self.experiment(dedicated: (0.80, 0.90), full: (0.82, 0.92), speedup: 2)
        let b = try Self.experiment(dedicated: (0.84, 0.90), full: (0.80, 0.94), speedup: 3)
        let merged = try ExperimentMerge(directories: [a, b])
        #expect(merged.bits == [2, 8])
        #expect(merged.arms.map(\.name) == ["dedicated", "multibit-full"])
        #expect(merged.arms[0].accuracy["2-bit"] == [0.80, 0.84])
        #expect(merged.arms[1].speedup_vs_dedicated == [2, 3])
        let md = merged.markdown
        #expect(
            md.contains("| dedicated | 82.00 (80.00–84.00) | 90.00 (90.00–90.00) | 86.00 (85.00–87.00) | 1.00x |"),
            "\(md)")
        #expect(
            md.contains("| multibit-full | 81.00 (80.00–82.00) | 93.00 (92.00–94.00) | 87.00 (87.00–87.00) | 2.50x |"))
    }

    /// The merge reads what `experiment cost` writes (`CostExperiment.csv`).
    @Test func readsTheExperimentsOwnTable() throws {
        let runs = [
            CostExperiment.RunOutcome(name: "dedicated-2bit", dedicatedWidth: 2, accuracy: ["2-bit": 0.8], seconds: 50),
            CostExperiment.RunOutcome(name: "dedicated-8bit", dedicatedWidth: 8, accuracy: ["8-bit": 0.9], seconds: 50),
            CostExperiment.RunOutcome(
                name: "multibit-full", dedicatedWidth: nil, accuracy: ["2-bit": 0.82, "8-bit": 0.91], seconds: 25),
        ]
        let dir = NSTemporaryDirectory() + "polybit-merge-own-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try CostExperiment.csv(CostExperiment.arms(runs, deployed: [2, 8]), bits: [2, 8]).write(
            toFile: dir + "/experiment.csv", atomically: true, encoding: .utf8)
        let merged = try ExperimentMerge(directories: [dir, dir])
        #expect(merged.arms.map(\.name) == ["dedicated", "multibit-full"])
        #expect(merged.arms[1].accuracy["2-bit"] == [0.82, 0.82])
        #expect(merged.arms[1].speedup_vs_dedicated == [4, 4])
    }

    /// A folder without a table, a foreign file and a run with other arms are each named.
    @Test func badFoldersAreNamed() throws {
        let good = try Self.experiment(dedicated: (0.8, 0.9), full: (0.8, 0.9), speedup: 2)
        let empty = NSTemporaryDirectory() + "polybit-merge-empty-" + UUID().uuidString
        #expect(throws: InputError.self) { try ExperimentMerge(directories: [good, empty]) }
        let foreign = try Self.experiment(dedicated: (0.8, 0.9), full: (0.8, 0.9), speedup: 2)
        try "a,b\n1,2\n".write(toFile: foreign + "/experiment.csv", atomically: true, encoding: .utf8)
        do { _ = try ExperimentMerge(directories: [good, foreign]) } catch {
            #expect("\(error)".contains(foreign + "/experiment.csv: not an experiment table"), "\(error)")
        }
        let other = try Self.experiment(dedicated: (0.8, 0.9), full: (0.8, 0.9), speedup: 2)
        let text = try String(contentsOfFile: other + "/experiment.csv", encoding: .utf8)
        try text.replacingOccurrences(of: "multibit-full", with: "multibit-random").write(
            toFile: other + "/experiment.csv", atomically: true, encoding: .utf8)
        do { _ = try ExperimentMerge(directories: [good, other]) } catch {
            #expect("\(error)".contains("differ from"), "\(error)")
        }
        #expect(throws: InputError.self) { try ExperimentMerge(directories: []) }
    }
}
