import Foundation
import Testing

@Suite(.serialized) struct PickCommandTests {
    /// train a tiny multi-bit model → pick under an energy budget (uniform sweep and greedy search)
    /// → the written policy exports; bad budgets and files exit 2 naming what is wrong.
    @Test func pickEndToEndAndBadInput() throws {
        let dir = CLI.temporaryDirectory()
        let checkpoint = dir + "/run/checkpoint.h5"
        let profile = CLI.repository + "/hwprofiles/bitfusion.yaml"
        let train = try CLI.run([
            "train", "--dataset", "synthetic", "--limit", "256", "--model", "resnet8", "--epochs", "1",
            "--batch", "32", "--bits", "2,4,8", "--threads", "2", "--out", dir + "/run",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        // Energy of uniform 2 and 4 bits on BitFusion for this network, to set a budget between them.
        let cost = try CLI.run([
            "cost", "--network", "resnet8", "--input", "1x28x28", "--profile", profile, "--bits", "2,4", "--json",
        ])
        let costJSON = try JSONSerialization.jsonObject(with: Data(cost.stdout.utf8)) as? [String: Any]
        let precisions = ((costJSON?["profiles"] as? [[String: Any]])?.first?["precisions"] as? [[String: Any]]) ?? []
        let energies = precisions.compactMap { $0["energy_uJ"] as? Double }
        try #require(energies.count == 2 && energies[0] < energies[1], "\(cost.stdout)\(cost.stderr)")
        let limit = (energies[0] + energies[1]) / 2

        let common = [
            "pick", "--checkpoint", checkpoint, "--profile", profile, "--bits", "2,4", "--validation", "100",
            "--limit", "100", "--max-evaluations", "12", "--threads", "2",
        ]
        let r = try CLI.run(
            common + [
                "--budget", "energy_uJ=\(limit)", "--budget", "bitops_G=1000",
                "--out-policy", dir + "/policy.json", "--out-report", dir + "/pick.json", "--json",
            ])
        #expect(r.status == 0, "\(r.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        // synthetic holds out its last 1000 training images by default (train --validation auto).
        #expect(report["validation_images"] as? Int == 100 && report["validation_first_index"] as? Int == 5000)
        #expect(report["validation_held_out"] as? Bool == true && report["validation_in_training"] as? Bool == false)
        #expect(report["test_images"] as? Int == 100)
        let sweep = report["uniform_sweep"] as? [[String: Any]] ?? []
        #expect(sweep.compactMap { $0["label"] as? String } == ["2-bit", "4-bit"])
        #expect(sweep.compactMap { $0["within_budget"] as? Bool } == [true, false])
        let uniform = report["uniform"] as? [String: Any] ?? [:]
        #expect(uniform["label"] as? String == "2-bit", "\(uniform)")
        #expect((uniform["test_accuracy"] as? Double).map { (0...1).contains($0) } == true)
        let mixed = try #require(report["mixed"] as? [String: Any])
        #expect((mixed["budget_use"] as? Double ?? 2) <= 1)
        #expect((mixed["validation_accuracy"] as? Double ?? -1) >= (uniform["validation_accuracy"] as? Double ?? 2))
        let energy = ((mixed["costs"] as? [[String: Any]])?.first?["energy_uJ"] as? Double) ?? .infinity
        #expect(energy <= limit)
        let evaluations = report["evaluations"] as? Int ?? 0
        #expect(evaluations > 3 && evaluations <= 2 + 12, "the sweep, then search steps up to --max-evaluations")
        #expect(report["evaluation_limit_reached"] as? Bool == (evaluations == 2 + 12))
        let front = report["pareto_front"] as? [[String: Any]] ?? []
        #expect(!front.isEmpty && front.count <= evaluations)
        let policy = try String(contentsOfFile: dir + "/policy.json", encoding: .utf8)
        #expect(policy.contains("\"stage2.block0.shortcut.conv\"") && policy.contains("\"classifier\""))

        // HASB: the sweep, Hessian traces, the allocation within budget, one more evaluation.
        let hasb = try CLI.run(common + ["--budget", "energy_uJ=\(limit)", "--search", "hasb", "--json"])
        #expect(hasb.status == 0, "\(hasb.stderr)")
        let hasbReport = try #require(try JSONSerialization.jsonObject(with: Data(hasb.stdout.utf8)) as? [String: Any])
        #expect(hasbReport["search"] as? String == "hasb" && hasbReport["evaluations"] as? Int == 3)
        let allocated = try #require(hasbReport["mixed"] as? [String: Any])
        #expect((allocated["budget_use"] as? Double ?? 2) <= 1)
        let meanBits =
            (allocated["mean_weight_bits"] as? Double ?? 0) + (allocated["mean_activation_bits"] as? Double ?? 0)
        #expect(meanBits > 4, "the budget's slack above 2 bits is spent: \(allocated)")
        let text = try CLI.run(common + ["--budget", "energy_uJ=\(limit)", "--search", "uniform"])
        #expect(
            text.status == 0 && text.stdout.contains("uniform pick:") && !text.stdout.contains("mixed pick:"),
            "\(text.stdout)\(text.stderr)")
        let export = try CLI.run([
            "export", "--checkpoint", checkpoint, "--policy", dir + "/policy.json",
            "--out", dir + "/mixed.h5", "--verify", "50", "--json",
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let uniformExport = try CLI.run([
            "export", "--checkpoint", checkpoint, "--bits", "2", "--out", dir + "/int2.h5", "--json",
        ])
        #expect(uniformExport.status == 0, "\(uniformExport.stderr)")
        // What pick decides on is what export writes: its costs of the uniform and the mixed pick
        // are `cost --model` of the exported files.
        for (point, file) in [(uniform, "int2.h5"), (mixed, "mixed.h5")] {
            let costed = try CLI.run(["cost", "--model", dir + "/" + file, "--profile", profile, "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(costed.stdout.utf8)) as? [String: Any]
            let row = ((json?["profiles"] as? [[String: Any]])?.first?["precisions"] as? [[String: Any]])?.first ?? [:]
            let picked = (point["costs"] as? [[String: Any]])?.first ?? [:]
            for key in ["energy_uJ", "latency_ms", "memory_KiB"] {
                let a = picked[key] as? Double ?? -1
                let b = key == "memory_KiB" ? Self.memoryKiB(row) : row[key] as? Double ?? -2
                #expect(abs(a - b) <= 0.01 * abs(b), "\(file) \(key): pick \(a), cost --model \(b)")
            }
        }
        // The picked policy ships as ONNX that onnxruntime runs bit for bit like `simulate` (#28).
        let onnx = try CLI.run([
            "export", "--checkpoint", checkpoint, "--policy", dir + "/policy.json", "--format", "onnx",
            "--out", dir + "/mixed.onnx",
        ])
        #expect(onnx.status == 0, "\(onnx.stderr)")
        // The policy file records the pick (profiles, budgets, validation accuracy), and the ONNX
        // export carries that in its metadata.
        let policyFile = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: dir + "/policy.json")))
        let provenance = (policyFile as? [String: Any])?["pick"] as? [String: String] ?? [:]
        #expect(provenance["profiles"] == "BitFusion" && provenance["validation_held_out"] == "true", "\(provenance)")
        #expect(provenance["validation_accuracy"].flatMap(Double.init) == mixed["validation_accuracy"] as? Double)
        if (try? CLI.python(["-c", "import onnx"]))?.status == 0 {
            let meta = try CLI.python([
                "-c",
                "import sys, onnx; print({e.key: e.value for e in onnx.load(sys.argv[1]).metadata_props}['polybit.pick.validation_accuracy'])",
                dir + "/mixed.onnx",
            ])
            #expect(meta.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == provenance["validation_accuracy"])
        }
        if (try? CLI.tool("sim/onnx_check.py", ["--help"]))?.status == 0 {
            let write = try CLI.python(["-c", Self.randomCodes, dir + "/codes.h5", "32", "1,28,28"])
            #expect(write.status == 0, "\(write.stderr)")
            let check = try CLI.tool(
                "sim/onnx_check.py",
                [
                    dir + "/mixed.onnx", "--model", dir + "/mixed.h5", "--inputs", dir + "/codes.h5", "--images", "32",
                    "--polybit", CLI.executable.path,
                ])
            #expect(
                check.status == 0 && check.stdout.contains("32/32 images bit-exact"), "\(check.stdout)\(check.stderr)")
        } else {
            print("skipped the onnxruntime check: python3 with h5py, onnx and onnxruntime is not available")
        }
        let written = try CLI.run([
            "report", "--run", dir + "/run", "--profile", profile, "--pick", dir + "/pick.json",
            "--pick-model", dir + "/mixed.h5", "--out", dir + "/report",
        ])
        #expect(written.status == 0, "\(written.stderr)")
        let markdown = (try? String(contentsOfFile: dir + "/report/report.md", encoding: .utf8)) ?? ""
        let pickedEnergy = ((mixed["costs"] as? [[String: Any]])?.first?["energy_uJ"] as? Double) ?? 0
        #expect(markdown.contains("## The pick and its export"), "\(markdown)")
        #expect(markdown.contains("| BitFusion | \(Self.formatted(pickedEnergy)) / "), "\(markdown)")

        let cases: [([String], String)] = [
            (
                common + ["--budget", "energy_uJ=\(energies[0] / 2)"],
                "--budget energy_uJ=\(energies[0] / 2) (BitFusion: "
            ),
            (
                common + ["--budget", "energy_uJ=\(energies[0] / 2)"],
                "): nothing fits; that is the cost of the cheapest policy"
            ),
            (common + ["--budget", "power_mW=3"], "--budget power_mW=3: unknown kind"),
            (common + ["--budget", "energy_uJ"], "--budget energy_uJ: expected KIND=VALUE"),
            (common + ["--budget", "energy_uJ=1", "--search", "random"], "'random' is invalid for '--search"),
            (common, "--budget: give at least one budget"),
            (
                common + ["--budget", "energy_uJ=\(limit)", "--out-report", dir + "/none/pick.json"],
                "--out-report \(dir)/none/pick.json: no folder"
            ),
            (
                [
                    "report", "--run", dir + "/run", "--profile", profile, "--pick", dir + "/pick.json", "--out",
                    dir + "/r2",
                ],
                "--pick and --pick-model go together"
            ),
            (
                [
                    "report", "--run", dir + "/run", "--profile", profile, "--pick", dir + "/policy.json",
                    "--pick-model", dir + "/mixed.h5", "--out", dir + "/r2",
                ],
                "--pick \(dir)/policy.json: not a pick report"
            ),
            (
                ["export", "--checkpoint", checkpoint, "--bits", "2", "--format", "tflite", "--out", dir + "/x"],
                "tflite"
            ),
            (["cost", "--network", "resnet8", "--profile", profile, "--residual", "1"], "--residual"),
            (["pick", "--checkpoint", dir + "/none.h5", "--profile", profile, "--budget", "energy_uJ=1"], "none.h5"),
            (
                ["pick", "--checkpoint", checkpoint, "--profile", dir + "/none.yaml", "--budget", "energy_uJ=1"],
                "none.yaml"
            ),
        ]
        for (args, fragment) in cases {
            let bad = try CLI.run(args)
            #expect(bad.status == 2, "\(args) exited \(bad.status): \(bad.stderr)")
            #expect(bad.stderr.contains(fragment), "\(args): \(bad.stderr)")
        }
    }

    /// `memory_KiB` as pick's budgets count it: stored weights plus the stored activation peak.
    static func memoryKiB(_ row: [String: Any]) -> Double {
        (row["weight_stored_KiB"] as? Double ?? .nan) + (row["peak_activation_stored_KiB"] as? Double ?? .nan)
    }

    /// Numbers as the pick reports print them (four significant digits, no exponent).
    static func formatted(_ v: Double) -> String {
        let digits = v == 0 ? 0 : max(0, 3 - Int(log10(abs(v)).rounded(.down)))
        return String(format: "%.\(min(digits, 6))f", v)
    }

    /// Writes N random uint8 input codes of shape C,H,W to /images of an HDF5 file (argv: file, N, shape).
    static let randomCodes = """
        import sys, h5py, numpy as np
        n, shape = int(sys.argv[2]), [int(v) for v in sys.argv[3].split(",")]
        with h5py.File(sys.argv[1], "w") as f:
            f["images"] = np.random.default_rng(0).integers(0, 256, size=[n] + shape).astype(np.int16)
        """
}
