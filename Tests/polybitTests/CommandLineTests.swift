import Foundation
import Testing

@Suite(.serialized) struct CommandLineTests {
    @Test func helpListsTheContractAndVersionPrints() throws {
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        for command in [
            "train", "eval", "export", "simulate", "cost", "trace", "pick", "report", "experiment", "bench",
        ] {
            #expect(help.stdout.contains("  \(command) "), "--help lists \(command)")
        }
        #expect(try CLI.run(["--version"]).stdout.contains("0."))
    }

    @Test func badInputExitsTwoWithOneClearLine() throws {
        let dir = CLI.temporaryDirectory()
        let foreign = dir + "/foreign.h5"
        try Data("not hdf5 at all".utf8).write(to: URL(fileURLWithPath: foreign))
        let cases: [([String], String)] = [
            (["train", "--out", dir + "/r", "--bogus"], "--bogus"),
            (["train", "--out", dir + "/r", "--bits", "2,x"], "--bits 2,x"),
            (["train", "--out", dir + "/r", "--model", "resnet21"], "--model resnet21"),
            (["train", "--out", dir + "/r", "--dataset", "cifar10", "--data-dir", dir + "/none"], dir + "/none"),
            (["eval", "--checkpoint", foreign], "not an HDF5 file"),
            (["export", "--checkpoint", foreign, "--bits", "4", "--out", dir + "/m.h5"], "not an HDF5 file"),
            (
                ["export", "--checkpoint", foreign, "--bits", "4", "--out", dir + "/m.h5", "--fraction-bits", "31"],
                "--fraction-bits 31"
            ),
            (
                ["export", "--checkpoint", foreign, "--bits", "4", "--out", dir + "/m.h5", "--residual-bits", "32"],
                "--residual-bits 32"
            ),
            (["simulate", "--model", foreign, "--dataset", "synthetic"], "not an HDF5 file"),
            (["cost", "--profile", dir + "/missing.yaml"], "missing.yaml"),
            (
                ["cost", "--profile", CLI.repository + "/hwprofiles/bitfusion.yaml", "--input", "1x2"],
                "--input: expected CxHxW"
            ),
            (["bench", "sim", "--input", "0x28x28"], "--input: expected CxHxW"),
            (
                ["cost", "--profile", CLI.repository + "/hwprofiles/bitfusion.yaml", "--vary", "dram.speed=1"],
                "--vary dram.speed: unknown field"
            ),
            (
                [
                    "cost", "--profile", CLI.repository + "/hwprofiles/bitfusion.yaml", "--profile",
                    CLI.repository + "/hwprofiles/eyeriss.yaml", "--vary", "clock_MHz=100,200",
                ],
                "--vary: give exactly one --profile (found 2)"
            ),
            (
                ["cost", "--profile", CLI.repository + "/hwprofiles/bitfusion.yaml", "--svg", dir + "/x.svg"],
                "--svg: only with --vary"
            ),
            (["trace", "--model", foreign, "--dataset", "synthetic", "--out", dir + "/t.h5"], "not an HDF5 file"),
            (
                ["train", "--out", dir + "/r", "--coreset", "0.2", "--coreset-selection", "best"],
                "'best' is invalid for '--coreset-selection"
            ),
            (
                [
                    "train", "--out", dir + "/r", "--coreset", "0.2", "--coreset-selection", "top",
                    "--coreset-hard-cut", "0.2",
                ],
                "--coreset-hard-cut"
            ),
            (
                [
                    "train", "--out", dir + "/r", "--coreset", "0.2", "--coreset-selection", "stratified",
                    "--coreset-hard-cut", "1",
                ], "--coreset-hard-cut 1.0"
            ),
            (["train", "--out", dir + "/r", "--coreset", "0.2", "--coreset-pool", "0.5"], "--coreset-pool 0.5"),
            (
                ["train", "--out", dir + "/r", "--coreset", "0.2", "--coreset-score", "random", "--coreset-pool", "2"],
                "--coreset-pool applies to scored subsets"
            ),
            (["train", "--out", dir + "/r", "--coreset", "0.2", "--coreset-bn-refresh=-1"], "--coreset-bn-refresh -1"),
            (["bench", "conv", "--repeats", "0"], "--repeats: expected at least 1, got 0"),
            (["bench", "conv", "--batch", "0"], "--batch: expected at least 1, got 0"),
            (
                ["train", "--out", dir + "/r", "--coreset-pool", "2"],
                "--coreset-pool, --coreset-bn-refresh and --no-class-balance need --coreset"
            ),
            (
                ["experiment", "cost", "--out", dir + "/e", "--coreset-selection", "best"],
                "'best' is invalid for '--coreset-selection"
            ),
            (["experiment", "cost", "--out", dir + "/e", "--coreset-pool", "0"], "--coreset-pool 0.0"),
            (["experiment", "cost", "--out", dir + "/e", "--coreset-hard-cut", "1"], "--coreset-hard-cut 1.0"),
            (
                ["experiment", "cost", "--out", dir + "/e", "--coreset-selection", "top", "--coreset-hard-cut", "0"],
                "--coreset-hard-cut applies to --coreset-selection stratified"
            ),
            (["experiment", "cost", "--out", dir + "/e", "--arm", "dedicated-9bit"], "--arm dedicated-9bit"),
            (
                ["train", "--out", dir + "/r", "--bits", "2,4,8", "--weight-rounding", "triple"],
                "'triple' is invalid for '--weight-rounding"
            ),
            (["train", "--out", dir + "/r", "--alrs"], "--alrs needs --bits"),
            (["train", "--out", dir + "/r", "--bits", "4", "--residual", "20"], "'20' is invalid for '--residual"),
            (["train", "--out", dir + "/r", "--bits", "4", "--residual", "int"], "'int' is invalid for '--residual"),
            (["experiment", "cost", "--out", dir + "/e", "--epochs", "0"], "--epochs 0: expected a positive number"),
        ]
        for (args, fragment) in cases {
            let r = try CLI.run(args)
            #expect(r.status == 2, "\(args) exited \(r.status): \(r.stderr)")
            #expect(r.stderr.contains(fragment), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/m.h5"), "nothing written on failure")
    }

    /// A run killed with SIGKILL mid-training and resumed ends with the weights of an uninterrupted run.
    @Test func divergedTrainingStopsWithAClearLineAndWritesNothing() throws {
        let dir = CLI.temporaryDirectory()
        let r = try CLI.run([
            "train", "--out", dir + "/r", "--dataset", "synthetic", "--limit", "256", "--epochs", "1",
            "--batch", "64", "--lr", "1e30", "--threads", "1",
        ])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--lr 1e+30: training diverged in epoch 1"))
        #expect(r.stderr.contains("retry with a lower --lr"))
        #expect(!FileManager.default.fileExists(atPath: dir + "/r/checkpoint.h5"))
    }

    @Test func killedAndResumedRunMatchesUninterrupted() throws {
        let dir = CLI.temporaryDirectory()
        let common = [
            "train", "--dataset", "synthetic", "--limit", "600", "--model", "resnet8", "--epochs", "3",
            "--batch", "32", "--threads", "2", "--seed", "7",
        ]
        #expect(try CLI.run(common + ["--out", dir + "/straight"]).status == 0)
        let victim = try CLI.start(common + ["--out", dir + "/killed"])
        let checkpoint = dir + "/killed/checkpoint.h5"
        let deadline = Date().addingTimeInterval(120)
        while !FileManager.default.fileExists(atPath: checkpoint) && Date() < deadline { usleep(20_000) }
        usleep(300_000)  // into epoch 2
        kill(victim.processIdentifier, SIGKILL)
        victim.waitUntilExit()
        #expect(victim.terminationReason == .uncaughtSignal)
        #expect(try CLI.run(common + ["--out", dir + "/killed", "--resume"]).status == 0)
        let same = try CLI.python(
            """
            import h5py, sys, numpy as np
            a, b = h5py.File(sys.argv[1], 'r'), h5py.File(sys.argv[2], 'r')
            names = sorted(a['parameters'].keys())
            ok = names == sorted(b['parameters'].keys()) and all(np.array_equal(a['parameters'][n][()], b['parameters'][n][()]) for n in names)
            print(ok, int(b.attrs['epochs_completed']))
            """, [dir + "/straight/checkpoint.h5", checkpoint])
        #expect(same == "True 3")
    }

    /// train (multi-bit) → eval at an untrained width → export → simulate with a profile → report.
    @Test func tinyPipelineEndToEnd() throws {
        let dir = CLI.temporaryDirectory()
        let train = try CLI.run([
            "train", "--dataset", "synthetic", "--limit", "400", "--model", "resnet8", "--epochs", "2",
            "--batch", "32", "--bits", "2,4,8", "--threads", "2", "--out", dir + "/run", "--json",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        let eval = try CLI.run(["eval", "--checkpoint", dir + "/run/checkpoint.h5", "--bits", "3,5", "--json"])
        #expect(eval.status == 0 && eval.stdout.contains("\"precision\":\"3-bit\""), "\(eval.stdout)\(eval.stderr)")
        let recalibrated = try CLI.run([
            "eval", "--checkpoint", dir + "/run/checkpoint.h5", "--bits", "3",
            "--recalibrate-bn", "2", "--json",
        ])
        #expect(
            recalibrated.status == 0 && recalibrated.stdout.contains("\"recalibration_batches\":2"),
            "\(recalibrated.stdout)\(recalibrated.stderr)")
        let zero = try CLI.run(["eval", "--checkpoint", dir + "/run/checkpoint.h5", "--recalibrate-bn", "0"])
        #expect(zero.status == 2 && zero.stderr.contains("--recalibrate-bn 0"), "\(zero.stderr)")
        let export = try CLI.run([
            "export", "--checkpoint", dir + "/run/checkpoint.h5", "--bits", "8", "--out",
            dir + "/m8.h5", "--verify", "200", "--json",
        ])
        #expect(export.status == 0, "\(export.stderr)")
        let agreement = try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: Any]
        let verification = agreement?["verification"] as? [String: Any]
        #expect((verification?["top1_agreement"] as? Double ?? 0) >= 0.95, "\(export.stdout)")
        let codes = (agreement?["layer_codes"] as? [[String: Any]])?.compactMap { $0["tensor"] as? String } ?? []
        // The default 8-bit residual stream: the stem's output and each add are on the stream's
        // trained grids, requantized to each block's input grid.
        #expect(codes.first == "stem.conv" && codes.last == "pool", "\(codes)")
        #expect(codes.contains("stage1.block0.add") && codes.contains("stage1.block0.input"), "\(codes)")
        let sim = try CLI.run([
            "simulate", "--model", dir + "/m8.h5", "--dataset", "synthetic", "--limit", "100",
            "--profile", CLI.repository + "/hwprofiles/bitfusion.yaml", "--json",
        ])
        #expect(sim.status == 0, "\(sim.stderr)")
        let simJSON = try JSONSerialization.jsonObject(with: Data(sim.stdout.utf8)) as? [String: Any]
        #expect(simJSON?["cost"] != nil && simJSON?["accuracy"] != nil)
        let format = try CLI.python(
            "import h5py, sys; print(h5py.File(sys.argv[1], 'r').attrs['format'])", [dir + "/m8.h5"])
        #expect(format == "polybit-integer-model")
        let report = try CLI.run([
            "report", "--run", dir + "/run", "--out", dir + "/report",
            "--profile", CLI.repository + "/hwprofiles/bitfusion.yaml",
        ])
        #expect(report.status == 0, "\(report.stderr)")
        let markdown = (try? String(contentsOfFile: dir + "/report/report.md", encoding: .utf8)) ?? ""
        #expect(markdown.contains("| 2 |") && markdown.contains("| 8 |"))
        let points = try CLI.python(
            """
            import sys, xml.etree.ElementTree as ET
            root = ET.parse(sys.argv[1]).getroot()
            print(len(root.findall('{http://www.w3.org/2000/svg}circle')))
            """, [dir + "/report/energy.svg"])
        #expect(points == "7", "one point per precision 2-8")
    }

    /// The cost experiment at a tiny size: one arm trained alone with --arm, then the four arms
    /// (reusing it), written as Markdown, CSV and SVG.
    @Test func costExperimentRunsEveryArm() throws {
        let dir = CLI.temporaryDirectory()
        let common = [
            "experiment", "cost", "--quick", "--dataset", "synthetic", "--limit", "256", "--epochs", "2",
            "--coreset", "0.5", "--redraw", "1", "--threads", "2", "--out", dir,
        ]
        let one = try CLI.run(common + ["--arm", "multibit-random"])
        #expect(one.status == 0, "\(one.stderr)")
        let fm = FileManager.default
        #expect(fm.fileExists(atPath: dir + "/multibit-random/checkpoint.h5"))
        #expect(!fm.fileExists(atPath: dir + "/dedicated-2bit") && !fm.fileExists(atPath: dir + "/experiment.md"))
        let randomLog = try String(contentsOfFile: dir + "/multibit-random/log.jsonl", encoding: .utf8)
        let r = try CLI.run(common + ["--json"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            try String(contentsOfFile: dir + "/multibit-random/log.jsonl", encoding: .utf8) == randomLog,
            "the finished arm is read, not retrained")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let arms = (report?["arms"] as? [[String: Any]])?.compactMap { $0["name"] as? String } ?? []
        #expect(arms == ["dedicated", "multibit-full", "multibit-coreset", "multibit-random"])
        for file in [
            "experiment.md", "experiment.csv", "accuracy.svg", "dedicated-2bit/checkpoint.h5",
            "multibit-coreset/coresets/epoch1.h5",
        ] {
            #expect(FileManager.default.fileExists(atPath: dir + "/" + file), "\(file)")
        }
        let md = try String(contentsOfFile: dir + "/experiment.md", encoding: .utf8)
        #expect(
            md.contains(
                "Bit-wise coreset arm: stratified EL2N selection dropping the highest-scoring 10% of each class, every image scored; "
                    + "both subset arms refresh the BatchNorm running statistics with 20 batches"), "\(md)")
        // tools/coreset_coverage.py reads the subsets back: one redraw (epoch 1) of half the images.
        let coverage = try CLI.tool(
            "coreset_coverage.py", [dir + "/multibit-random=random", dir + "/multibit-coreset"])
        #expect(coverage.status == 0, "\(coverage.stderr)")
        let rows = coverage.stdout.split(separator: "\n").dropFirst(2)
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) } }
        #expect(rows.map(\.first) == ["random", "multibit-coreset"], "\(coverage.stdout)")
        for row in rows where row.count == 6 {
            let ever = Double(row[2]) ?? -1, any = Double(row[3]) ?? -1, shared = Double(row[5]) ?? -1
            #expect(row[1] == "1" && row[4] == "—", "one redraw, nothing kept from a previous one: \(row)")
            #expect(abs(ever - 0.5) < 0.05 && any >= ever && any <= 1 && shared >= 0 && shared <= 1, "\(row)")
        }
        let none = try CLI.tool("coreset_coverage.py", [dir + "/dedicated-2bit"])
        #expect(
            none.status != 0 && none.stderr.contains("dedicated-2bit/coresets: no epoch<E>.h5 files"), "\(none.stderr)")
    }
}
