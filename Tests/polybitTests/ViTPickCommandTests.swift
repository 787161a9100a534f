import Foundation
import Testing

/// `pick` and `export --policy` on a multi-bit ViT checkpoint: pick costs the integer model export
/// writes (`cost --model` of the export within 1%), with `--attention-bits` on both sides; an
/// export at `--attention-bits 8` runs on tpu-v1 (8-bit array, special-function unit).
@Suite(.serialized) struct ViTPickCommandTests {
    /// Trains a tiny ViT on {4, 8} bits (synthetic data, 1 epoch) into `dir/run`.
    static func train(_ dir: String) throws -> String {
        let train = try CLI.run([
            "train", "--dataset", "synthetic", "--limit", "256", "--model", "vit", "--dim", "16", "--depth", "2",
            "--heads", "2", "--epochs", "1", "--batch", "32", "--bits", "4,8", "--threads", "2", "--out", dir + "/run",
        ])
        try #require(train.status == 0, "\(train.stderr)")
        return dir + "/run/checkpoint.h5"
    }

    /// `cost --model file --profile profile --json`: energy, latency and memory (stored weights +
    /// peak stored activations, as pick counts it).
    static func cost(_ file: String, _ profile: String) throws -> [String: Double] {
        let r = try CLI.run(["cost", "--model", file, "--profile", profile, "--json"])
        let json = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let row = ((json?["profiles"] as? [[String: Any]])?.first?["precisions"] as? [[String: Any]])?.first ?? [:]
        return [
            "energy_uJ": row["energy_uJ"] as? Double ?? .nan, "latency_ms": row["latency_ms"] as? Double ?? .nan,
            "memory_KiB": PickCommandTests.memoryKiB(row),
        ]
    }

    /// Pick's costs of `point` equal `cost --model` of `file` within 1%.
    static func expectSameCost(_ point: [String: Any], _ file: String, _ profile: String) throws {
        let costed = try cost(file, profile)
        let picked = (point["costs"] as? [[String: Any]])?.first ?? [:]
        for (key, b) in costed {
            let a = picked[key] as? Double ?? -1
            #expect(abs(a - b) <= 0.01 * abs(b), "\(file) \(key): pick \(a), cost --model \(b)")
        }
    }

    @Test func pickOnAViTCostsWhatExportWrites() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = try Self.train(dir)
        // Stripes runs activations bit-serially (1...16 bits), so 4 and 8 bits cost differently.
        let profile = CLI.repository + "/hwprofiles/stripes.yaml"
        var energies: [Double] = []
        for bits in [4, 8] {
            let file = dir + "/int\(bits).h5"
            let export = try CLI.run([
                "export", "--checkpoint", checkpoint, "--bits", "\(bits)", "--out", file, "--calibration-images", "64",
            ])
            try #require(export.status == 0, "\(export.stderr)")
            energies.append(try Self.cost(file, profile)["energy_uJ"]!)
        }
        try #require(energies[0] < energies[1], "\(energies)")
        let limit = (energies[0] + energies[1]) / 2
        let pick = try CLI.run([
            "pick", "--checkpoint", checkpoint, "--profile", profile, "--bits", "4,8", "--validation", "100",
            "--limit", "100", "--max-evaluations", "8", "--threads", "2", "--budget", "energy_uJ=\(limit)",
            "--out-policy", dir + "/policy.json", "--json",
        ])
        try #require(pick.status == 0, "\(pick.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(pick.stdout.utf8)) as? [String: Any])
        #expect(report["model"] as? String == "vit")
        let sweep = report["uniform_sweep"] as? [[String: Any]] ?? []
        #expect(sweep.compactMap { $0["within_budget"] as? Bool } == [true, false])
        let uniform = report["uniform"] as? [String: Any] ?? [:]
        #expect(uniform["label"] as? String == "4-bit", "\(uniform)")
        let final = report["mixed"] as? [String: Any] ?? uniform
        let energy = ((final["costs"] as? [[String: Any]])?.first?["energy_uJ"] as? Double) ?? .infinity
        #expect(energy <= limit)

        let export = try CLI.run([
            "export", "--checkpoint", checkpoint, "--policy", dir + "/policy.json", "--out", dir + "/picked.h5",
            "--calibration-images", "64", "--verify", "50",
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let simulate = try CLI.run([
            "simulate", "--model", dir + "/picked.h5", "--dataset", "synthetic", "--limit", "50", "--threads", "2",
        ])
        #expect(simulate.status == 0, "\(simulate.stderr)")
        try Self.expectSameCost(uniform, dir + "/int4.h5", profile)
        try Self.expectSameCost(final, dir + "/picked.h5", profile)
    }

    @Test func attentionBitsRunTheExportOnTPUv1() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let checkpoint = try Self.train(dir)
        let tpu = CLI.repository + "/hwprofiles/tpu-v1.yaml"
        func export(_ extra: [String], to file: String) throws -> CLI.Result {
            try CLI.run(
                ["export", "--checkpoint", checkpoint, "--bits", "8", "--out", file, "--calibration-images", "64"]
                    + extra)
        }
        func simulate(_ file: String, _ profile: String) throws -> CLI.Result {
            try CLI.run([
                "simulate", "--model", file, "--dataset", "synthetic", "--limit", "50", "--threads", "2",
                "--profile", profile, "--json",
            ])
        }
        // The default keeps Q, K, V and the probabilities at 16 bits: tpu-v1's 8-bit array refuses them.
        try #require(try export([], to: dir + "/a16.h5").status == 0)
        let wide = try simulate(dir + "/a16.h5", tpu)
        #expect(wide.status == 2 && wide.stderr.contains("TPU-v1-like cannot run 16-bit"), "\(wide.stderr)")

        let narrow = try export(["--attention-bits", "8", "--verify", "100"], to: dir + "/a8.h5")
        #expect(narrow.status == 0 && narrow.stdout.contains("attention operands at 8"), "\(narrow.stderr)")
        let onUnit = try simulate(dir + "/a8.h5", tpu)
        #expect(onUnit.status == 0, "\(onUnit.stderr)")
        #expect(onUnit.stderr.contains("special functions on a unit (profile)"), "\(onUnit.stderr)")
        // tpu-v1 with integer special functions instead of its unit: another cost.
        let integerProfile = dir + "/tpu-v1-integer.yaml"
        let text = try String(contentsOfFile: tpu, encoding: .utf8).components(separatedBy: "\n")
        try text.filter { !$0.contains("special_function") }.joined(separator: "\n")
            .write(toFile: integerProfile, atomically: true, encoding: .utf8)
        let onIntegers = try simulate(dir + "/a8.h5", integerProfile)
        #expect(onIntegers.status == 0 && !onIntegers.stderr.contains("on a unit"), "\(onIntegers.stderr)")
        func energy(_ r: CLI.Result) -> Double? {
            let json = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any]
            let cost = json?["cost"] as? [String: Any]
            let row = ((cost?["profiles"] as? [[String: Any]])?.first?["precisions"] as? [[String: Any]])?.first
            return row?["energy_uJ"] as? Double
        }
        #expect(energy(onUnit) != nil && energy(onIntegers) != nil && energy(onUnit) != energy(onIntegers))

        // pick with the same --attention-bits costs the same model on tpu-v1; its policy file records
        // the width, so export --policy writes that model without the flag.
        let pick = try CLI.run([
            "pick", "--checkpoint", checkpoint, "--profile", tpu, "--bits", "8", "--attention-bits", "8",
            "--validation", "50", "--limit", "50", "--search", "uniform", "--threads", "2",
            "--budget", "energy_uJ=1e9", "--out-policy", dir + "/policy.json", "--json",
        ])
        try #require(pick.status == 0, "\(pick.stderr)")
        let report = try JSONSerialization.jsonObject(with: Data(pick.stdout.utf8)) as? [String: Any]
        let uniform = report?["uniform"] as? [String: Any] ?? [:]
        try Self.expectSameCost(uniform, dir + "/a8.h5", tpu)
        let picked = try CLI.run([
            "export", "--checkpoint", checkpoint, "--policy", dir + "/policy.json", "--out", dir + "/picked.h5",
            "--calibration-images", "64",
        ])
        #expect(picked.status == 0 && picked.stdout.contains("attention operands at 8"), "\(picked.stderr)")
        try Self.expectSameCost(uniform, dir + "/picked.h5", tpu)

        for (args, message) in [
            (["--attention-bits", "1"], "--attention-bits 1: expected 2...16"),
            (["--attention-bits", "17"], "--attention-bits 17: expected 2...16"),
        ] {
            let bad = try export(args, to: dir + "/bad.h5")
            #expect(bad.status == 2 && bad.stderr.contains(message), "\(bad.stderr)")
        }
    }
}
