import Foundation
import PolybitSim
import Testing

/// `simulate --profile` runs the profile's arithmetic (flags override), prints what it used and
/// where each setting came from, and rejects exactly what `cost --model` rejects on the profile.
@Suite struct SimulateProfileTests {
    /// AccumulatorTests' model, built to overflow 16 bits: a 1×1 conv over 4 channels of 127s
    /// (2×2 image). Channel 0's weights [127, 127, 127, −127] give partial sums 16129, 32258,
    /// 48387, 32258: wrapping at 16 bits overflows twice per output (48387 → −17149 and back),
    /// saturating once; channel 1 [127, −127, 127, −127] never does. 3 images × 4 positions:
    /// 24 events wrapping, 12 saturating, 0 on a 32-bit accumulator.
    static func writeModel(_ dir: String, weightBits: Int = 8) throws -> (model: String, inputs: String) {
        let weights: [Int32] = [127, 127, 127, -127, 127, -127, 127, -127]
        let layer = WeightedLayer(
            weights: weights, weightShape: [2, 4, 1, 1], weightBits: weightBits, weightScale: [0.01],
            bias: [0, 0], zc: nil, zcFractionBits: 0, biasFraction: nil,
            requant: Requantization(reals: [1.0 / 512]), stride: [1, 1], padding: [0, 0])
        let q = Quantization(bits: 8, signed: true, scale: 0.1, zeroPoint: 0)
        let model = IntegerModel(
            inputShape: [4, 2, 2], input: q,
            layers: [IntegerLayer(name: "conv", op: .conv(layer), inputs: ["input"], output: q)])
        let paths = (model: dir + "/m\(weightBits).h5", inputs: dir + "/in.h5")
        try model.write(to: paths.model)
        _ = try CLI.python(
            "import h5py, numpy as np, sys; h5py.File(sys.argv[1], 'w')['images'] = np.full((3, 4, 2, 2), 127, np.int8)",
            [paths.inputs])
        return paths
    }

    static func simulate(_ files: (model: String, inputs: String), _ extra: [String]) throws -> (
        CLI.Result, [String: Any]
    ) {
        let r = try CLI.run(
            ["simulate", "--model", files.model, "--inputs", files.inputs, "--threads", "1", "--json"] + extra)
        let json = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
        return (r, json)
    }

    static func overflowEvents(_ json: [String: Any]) -> Int? {
        ((json["layers"] as? [[String: Any]])?.first?["overflow"] as? [String: Any])?["events"] as? Int
    }

    static func profile(_ name: String) -> String { CLI.repository + "/hwprofiles/" + name + ".yaml" }

    @Test func accumulatorWidthAndOverflowComeFromTheProfile() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = try Self.writeModel(dir)
        let (eyeriss, json) = try Self.simulate(files, ["--profile", Self.profile("eyeriss")])
        #expect(eyeriss.status == 0, "\(eyeriss.stderr)")
        #expect(Self.overflowEvents(json) == 24, "\(eyeriss.stdout)")
        let arithmetic = json["arithmetic"] as? [String: Any] ?? [:]
        #expect(
            arithmetic["accumulator_bits"] as? Int == 16 && arithmetic["requant"] as? String == "double"
                && arithmetic["overflow"] as? String == "wrap", "\(arithmetic)")
        #expect(
            arithmetic["requant_source"] as? String == "profile"
                && arithmetic["accumulator_bits_source"] as? String == "profile"
                && arithmetic["overflow_source"] as? String == "profile", "\(arithmetic)")
        let widths = ((json["widths_run"] as? [[String: Any]])?.first?["layers"] as? [[String: Any]])?.first ?? [:]
        #expect(widths["requested"] as? String == "8x8" && widths["run"] as? String == "16x16", "\(widths)")
        #expect(
            eyeriss.stderr.contains(
                "simulate: requant double (profile), 16-bit accumulator (profile), overflow wrap (profile)"),
            "\(eyeriss.stderr)")
        #expect(
            eyeriss.stderr.contains("widths run on Eyeriss-like: 8x8 runs as 16x16 on 1 of 1 MAC layers"),
            "\(eyeriss.stderr)")

        let (wide, wideJSON) = try Self.simulate(files, ["--profile", Self.profile("cortex-m7-cmsis-nn")])
        #expect(wide.status == 0 && Self.overflowEvents(wideJSON) == 0, "\(wide.stderr)")
        #expect((wideJSON["arithmetic"] as? [String: Any])?["accumulator_bits"] as? Int == 32)

        let (flagged, flaggedJSON) = try Self.simulate(
            files, ["--profile", Self.profile("eyeriss"), "--overflow", "saturate"])
        #expect(flagged.status == 0 && Self.overflowEvents(flaggedJSON) == 12, "\(flagged.stderr)")
        #expect(flagged.stderr.contains("16-bit accumulator (profile), overflow saturate (flag)"), "\(flagged.stderr)")
        let (widened, widenedJSON) = try Self.simulate(
            files, ["--profile", Self.profile("eyeriss"), "--accumulator-bits", "32"])
        #expect(widened.status == 0 && Self.overflowEvents(widenedJSON) == 0, "\(widened.stderr)")

        let (plain, plainJSON) = try Self.simulate(files, [])
        #expect(plain.status == 0 && Self.overflowEvents(plainJSON) == 0 && plainJSON["widths_run"] == nil)
        #expect(
            plain.stderr.contains(
                "simulate: requant onnx (default), 32-bit accumulator (default), overflow wrap (default)"),
            "\(plain.stderr)")
    }

    @Test func rejectsWhatCostRejectsAndDisagreeingProfiles() throws {
        let dir = CLI.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = try Self.writeModel(dir, weightBits: 16)
        let cost = try CLI.run(["cost", "--model", files.model, "--profile", Self.profile("bitfusion")])
        let (sim, _) = try Self.simulate(files, ["--profile", Self.profile("bitfusion")])
        #expect(cost.status == 2 && sim.status == 2, "\(cost.stderr)\(sim.stderr)")
        #expect(cost.stderr.contains("BitFusion cannot run 16-bit weights: it supports 2, 4, 8 bits"), "\(cost.stderr)")
        #expect(sim.stderr == cost.stderr)
        let (stripes, _) = try Self.simulate(files, ["--profile", Self.profile("stripes")])
        #expect(stripes.status == 0, "16-bit weights run on Stripes: \(stripes.stderr)")

        let (mixed, _) = try Self.simulate(
            files, ["--profile", Self.profile("stripes"), "--profile", Self.profile("nvdla-small")])
        #expect(
            mixed.status == 2 && mixed.stderr.contains("stripes.yaml and ")
                && mixed.stderr.contains("nvdla-small.yaml declare different requant (double and single)"),
            "\(mixed.stderr)")
    }
}
