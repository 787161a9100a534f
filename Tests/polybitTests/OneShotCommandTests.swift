import Foundation
import Testing

@Suite(.serialized) struct OneShotCommandTests {
    /// train --one-shot on a tiny run → pick under an energy budget → export --policy → cost --model
    /// of the export equals pick's cost, as for a multi-bit checkpoint (PickCommandTests).
    @Test func pickAndExportWorkOnAOneShotCheckpoint() throws {
        let dir = CLI.temporaryDirectory()
        let checkpoint = dir + "/run/checkpoint.h5"
        let profile = CLI.repository + "/hwprofiles/bitfusion.yaml"
        let train = try CLI.run([
            "train", "--dataset", "synthetic", "--limit", "256", "--model", "resnet8", "--epochs", "1",
            "--batch", "32", "--one-shot", "--bits", "2-4", "--subnets", "2", "--deploy-bits", "2-4",
            "--threads", "2", "--out", dir + "/run",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        let cost = try CLI.run([
            "cost", "--network", "resnet8", "--input", "1x28x28", "--profile", profile, "--bits", "2,4", "--json",
        ])
        let costJSON = try JSONSerialization.jsonObject(with: Data(cost.stdout.utf8)) as? [String: Any]
        let precisions = ((costJSON?["profiles"] as? [[String: Any]])?.first?["precisions"] as? [[String: Any]]) ?? []
        let energies = precisions.compactMap { $0["energy_uJ"] as? Double }
        try #require(energies.count == 2 && energies[0] < energies[1], "\(cost.stdout)\(cost.stderr)")
        let pick = try CLI.run([
            "pick", "--checkpoint", checkpoint, "--profile", profile, "--bits", "2-4", "--validation", "100",
            "--limit", "100", "--max-evaluations", "8", "--threads", "2",
            "--budget", "energy_uJ=\((energies[0] + energies[1]) / 2)",
            "--out-policy", dir + "/policy.json", "--json",
        ])
        #expect(pick.status == 0, "\(pick.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(pick.stdout.utf8)) as? [String: Any])
        let mixed = try #require(report["mixed"] as? [String: Any])
        let export = try CLI.run([
            "export", "--checkpoint", checkpoint, "--policy", dir + "/policy.json",
            "--out", dir + "/mixed.h5", "--verify", "50", "--json",
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let costed = try CLI.run(["cost", "--model", dir + "/mixed.h5", "--profile", profile, "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(costed.stdout.utf8)) as? [String: Any]
        let row = ((json?["profiles"] as? [[String: Any]])?.first?["precisions"] as? [[String: Any]])?.first ?? [:]
        let picked = (mixed["costs"] as? [[String: Any]])?.first ?? [:]
        for key in ["energy_uJ", "latency_ms"] {
            let a = picked[key] as? Double ?? -1, b = row[key] as? Double ?? -2
            #expect(abs(a - b) <= 0.01 * abs(b), "\(key): pick \(a), cost --model \(b)")
        }
    }

    /// One-shot flags without --one-shot, and --one-shot with a float candidate, exit 2 naming the flag.
    @Test func badOneShotFlagsExitTwo() throws {
        let dir = CLI.temporaryDirectory()
        let common = ["train", "--dataset", "synthetic", "--limit", "64", "--epochs", "1", "--out", dir + "/run"]
        let alone = try CLI.run(common + ["--bits", "2-4", "--subnets", "2"])
        #expect(alone.status == 2 && alone.stderr.contains("--subnets needs --one-shot"), "\(alone.stderr)")
        let float = try CLI.run(common + ["--one-shot", "--bits", "2-4,32"])
        #expect(float.status == 2 && float.stderr.contains("--one-shot needs --bits"), "\(float.stderr)")
    }
}
