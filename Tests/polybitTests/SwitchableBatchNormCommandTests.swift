import Foundation
import Testing

@Suite(.serialized) struct SwitchableBatchNormCommandTests {
    @Test func badBatchNormValuesExitTwo() throws {
        let dir = CLI.temporaryDirectory()
        let cases: [([String], String)] = [
            (["--bn", "foo"], "'foo' is invalid for '--bn <bn>'. Please provide one of 'shared' and 'switchable'"),
            (["--bn", "switchable"], "--bn switchable needs --bits"),
            (["--bn", "switchable", "--bits", "4", "--model", "vit"], "vit has no BatchNorm"),
        ]
        for (flags, fragment) in cases {
            let r = try CLI.run(["train", "--out", dir + "/r", "--dataset", "synthetic"] + flags)
            #expect(r.status == 2, "\(flags) exited \(r.status): \(r.stderr)")
            #expect(r.stderr.contains(fragment), "\(flags): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/r/checkpoint.h5"))
    }

    /// train --bn switchable → eval at an untrained width (also recalibrated) → export: the
    /// integer model at 4 bits folds width 4's BatchNorm and no other width's.
    @Test func switchableRunEvaluatesAndExportsEachWidthsBatchNorm() throws {
        let dir = CLI.temporaryDirectory()
        let checkpoint = dir + "/run/checkpoint.h5"
        let train = try CLI.run([
            "train", "--dataset", "synthetic", "--limit", "300", "--model", "resnet8", "--epochs", "2",
            "--batch", "32", "--bits", "2,4", "--deploy-bits", "2-4", "--bn", "switchable", "--threads", "2",
            "--out", dir + "/run",
        ])
        #expect(train.status == 0, "\(train.stderr)")
        let eval = try CLI.run([
            "eval", "--checkpoint", checkpoint, "--bits", "3", "--limit", "200", "--recalibrate-bn", "2",
            "--json",
        ])
        #expect(eval.status == 0 && eval.stdout.contains("\"precision\":\"3-bit\""), "\(eval.stdout)\(eval.stderr)")
        func export(_ name: String) throws -> [String: Any] {
            let r = try CLI.run([
                "export", "--checkpoint", checkpoint, "--bits", "4", "--out", dir + "/" + name,
                "--verify", "200", "--threads", "2", "--json",
            ])
            #expect(r.status == 0, "\(r.stderr)")
            return (try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]) ?? [:]
        }
        let verification = try export("a.h5")["verification"] as? [String: Any]
        #expect((verification?["top1_agreement"] as? Double ?? 0) >= 0.95, "\(verification ?? [:])")
        func shiftRunningMeans(_ width: String) throws {
            _ = try CLI.python(
                """
                import h5py, sys
                with h5py.File(sys.argv[1], 'r+') as f:
                    for name, d in f['parameters'].items():
                        if name.endswith('.' + sys.argv[2] + '.running_mean'): d[...] = d[()] + 1
                """, [checkpoint, width])
        }
        let same = """
            import h5py, sys, numpy as np
            def items(path):
                out = {}
                with h5py.File(path, 'r') as f:
                    def visit(name, obj):
                        if isinstance(obj, h5py.Dataset): out[name] = obj[()]
                        for k, v in obj.attrs.items(): out[name + '@' + k] = v
                    f.visititems(visit)
                return out
            a, b = items(sys.argv[1]), items(sys.argv[2])
            print(a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a))
            """
        try shiftRunningMeans("2bit")
        _ = try export("b.h5")
        #expect(
            try CLI.python(same, [dir + "/a.h5", dir + "/b.h5"]) == "True",
            "width 2's BatchNorm is not exported at 4 bits")
        try shiftRunningMeans("4bit")
        _ = try export("c.h5")
        #expect(
            try CLI.python(same, [dir + "/a.h5", dir + "/c.h5"]) == "False", "width 4's BatchNorm is exported at 4 bits"
        )
    }
}
