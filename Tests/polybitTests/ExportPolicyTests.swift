import Foundation
import Testing

@Suite(.serialized) struct ExportPolicyTests {
    /// export --policy on a tiny multi-bit checkpoint with learned steps: a policy with only
    /// "default" exports, also at 6 bits, an untrained width whose steps are interpolated (this
    /// used to segfault: steps were made for the widths in "layers" only); every bad
    /// policy exits 2 with one line naming the file, the entry and the field, and leaves an
    /// existing output file as it was.
    @Test func policiesAreCheckedBeforeAnythingIsWritten() throws {
        let dir = CLI.temporaryDirectory()
        let checkpoint = dir + "/run/checkpoint.h5"
        let train = try CLI.run([
            "train", "--dataset", "synthetic", "--limit", "128", "--model", "resnet8", "--epochs", "1",
            "--batch", "32", "--bits", "2,4,8", "--weight-step", "learned", "--bias-correction", "off",
            "--threads", "2", "--out", dir + "/run",
        ])
        try #require(train.status == 0, "\(train.stderr)")
        func export(_ policy: String, out: String) throws -> CLI.Result {
            let file = dir + "/policy.json"
            try policy.write(toFile: file, atomically: true, encoding: .utf8)
            return try CLI.run([
                "export", "--checkpoint", checkpoint, "--policy", file, "--out", out,
                "--calibration-images", "32", "--threads", "2",
            ])
        }
        for bits in [4, 6] {
            let r = try export(
                #"{"default": {"weight_bits": \#(bits), "activation_bits": \#(bits)}}"#, out: dir + "/d\(bits).h5")
            #expect(
                r.status == 0 && FileManager.default.fileExists(atPath: dir + "/d\(bits).h5"),
                "\(bits) bits: \(r.stderr)")
        }

        let out = dir + "/existing.h5"
        let previous = Data("a previous export".utf8)
        try previous.write(to: URL(fileURLWithPath: out))
        let file = dir + "/policy.json"
        let full = #""default": {"weight_bits": 4, "activation_bits": 4}"#
        let cases: [(String, String)] = [
            (
                #"{"layers": {}, "default": {"weight_bits": 0, "activation_bits": 4}}"#,
                "\(file): default.weight_bits: 0 bits is outside 2...16"
            ),
            (
                #"{"layers": {}, "default": {"weight_bits": 40, "activation_bits": 40}}"#,
                "\(file): default.weight_bits: 40 bits is outside 2...16"
            ),
            (
                #"{"layers": {"nope.conv": {"weight_bits": 4, "activation_bits": 4}}, "# + full + "}",
                "\(file): layers[\"nope.conv\"]: no such layer in this model (its 10 layers: stem.conv, stage1.block0.conv1,"
            ),
            (
                #"{"layers": {"stage1.block0.conv1": {"weight_bits": 4, "activation_bits": 4.5}}}"#,
                "\(file): layers[\"stage1.block0.conv1\"].activation_bits: expected a whole number of bits"
            ),
            (#"{"default": {"weight_bits": 4}}"#, "\(file): default.activation_bits: missing;"),
            (#"{"layers": {"stem.conv": {"weight_bits": 8}}}"#, "\(file): layers: no entry for stage1.block0.conv1"),
            (#"{"default": {"weight_bits": 4, "activation_bits": 4}"#, "\(file): not valid JSON ("),
        ]
        for (policy, expected) in cases {
            let r = try export(policy, out: out)
            let lines = r.stderr.split(separator: "\n")
            #expect(
                r.status == 2 && lines.count == 1 && r.stderr.contains(expected), "\(policy): \(r.status) \(r.stderr)")
            #expect(FileManager.default.contents(atPath: out) == previous, "\(policy) touched \(out)")
        }
    }
}
