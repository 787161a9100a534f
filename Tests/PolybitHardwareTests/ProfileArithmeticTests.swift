import Foundation
import PolybitHDF5
import PolybitHardware
import PolybitONNX
import PolybitSim
import PolybitTensor
import PolybitTestSupport
import Testing

/// The profile drives the simulator: `SimulationConfig(profile:)` and the flag/profile/default
/// resolution `simulate` uses, and for every requant mode a shipped profile declares, the profile's
/// simulation against that mode's reference, bit for bit.
@Suite struct ProfileArithmeticTests {
    static let shipped = [
        "bitfusion", "cortex-m7-cmsis-nn", "edge-tpu", "ethos-u55-128", "eyeriss",
        "nvdla-small", "stripes", "systolic-16x16", "tpu-v1",
    ]

    static func load(_ name: String) throws -> (file: String, profile: HardwareProfile) {
        let file = Fixtures.profilePath(name + ".yaml")
        return (file, try ProfileLoader.load(path: file))
    }

    @Test func everyShippedProfileMapsItsFields() throws {
        var modes = Set<RequantMode>()
        for name in Self.shipped {
            let (file, p) = try Self.load(name)
            let config = SimulationConfig(profile: p)
            #expect(config.requant == p.compute.requant && config.accumulator.bits == p.compute.accumulatorBits)
            #expect(config.accumulator.overflow == .wrap, "\(name): no shipped profile sets accumulator_overflow")
            let resolved = try SimulationArithmetic(profiles: [(file, p)], overrides: ArithmeticOverrides())
            #expect(resolved.config() == SimulationConfig(profile: p))
            #expect(
                [resolved.requantSource, resolved.accumulatorBitsSource, resolved.overflowSource] == [
                    .profile, .profile, .profile,
                ])
            modes.insert(p.compute.requant)
        }
        #expect(modes == Set(RequantMode.allCases), "the reference tests below cover every mode a profile declares")
        #expect(try Self.load("eyeriss").profile.compute.accumulatorBits == 16)
    }

    @Test func flagsOverrideAndDefaultsFillIn() throws {
        let eyeriss = try Self.load("eyeriss")
        let flagged = try SimulationArithmetic(
            profiles: [eyeriss], overrides: ArithmeticOverrides(accumulatorBits: 32, overflow: .saturate))
        #expect(flagged.accumulator == AccumulatorModel(bits: 32, overflow: .saturate) && flagged.requant == .double)
        #expect(
            [flagged.requantSource, flagged.accumulatorBitsSource, flagged.overflowSource] == [.profile, .flag, .flag])
        #expect(flagged.summary == "requant double (profile), 32-bit accumulator (flag), overflow saturate (flag)")
        let none = try SimulationArithmetic(profiles: [], overrides: ArithmeticOverrides(requant: .single))
        #expect(none.config() == SimulationConfig(requant: .single))
        #expect([none.requantSource, none.accumulatorBitsSource, none.overflowSource] == [.flag, .default, .default])
    }

    @Test func severalProfilesMustAgreeOrBeSettledByAFlag() throws {
        let agree = try SimulationArithmetic(
            profiles: [try Self.load("bitfusion"), try Self.load("nvdla-small")],
            overrides: ArithmeticOverrides())
        #expect(agree.requant == .single && agree.profiles.count == 2)
        let mixed = [try Self.load("bitfusion"), try Self.load("eyeriss")]
        #expect(throws: InputError.self) { try SimulationArithmetic(profiles: mixed, overrides: ArithmeticOverrides()) }
        do {
            _ = try SimulationArithmetic(profiles: mixed, overrides: ArithmeticOverrides(requant: .single))
            Issue.record("the accumulator widths still differ")
        } catch let e as InputError {
            #expect(
                e.description.contains("bitfusion.yaml and ")
                    && e.description.contains("eyeriss.yaml declare different accumulator_bits (32 and 16)")
                    && e.description.contains("--accumulator-bits"), "\(e)")
        }
        let settled = try SimulationArithmetic(
            profiles: mixed, overrides: ArithmeticOverrides(requant: .single, accumulatorBits: 24))
        #expect(settled.accumulator.bits == 24 && settled.overflowSource == .profile)
    }

    @Test func accumulatorFieldsAreValidatedNamingTheFileAndField() throws {
        let saturating = try ProfileLoader.parse(
            yaml: Fixtures.toyYAML.replacingOccurrences(of: "DATAFLOW", with: "parallel")
                .replacingOccurrences(
                    of: "accumulator_bits: 32", with: "accumulator_bits: 24\n  accumulator_overflow: saturate"),
            file: "toy.yaml")
        #expect(SimulationConfig(profile: saturating).accumulator == AccumulatorModel(bits: 24, overflow: .saturate))
        for (edit, message) in [
            (
                "accumulator_overflow: clamp",
                "toy.yaml: compute.accumulator_overflow: expected one of wrap|saturate, found \"clamp\""
            ),
            ("accumulator_bits: 4", "toy.yaml: compute.accumulator_bits: expected 8...64"),
        ] {
            let yaml = Fixtures.toyYAML.replacingOccurrences(of: "DATAFLOW", with: "parallel")
                .replacingOccurrences(
                    of: "accumulator_bits: 32",
                    with: edit.hasPrefix("accumulator_bits") ? edit : "accumulator_bits: 32\n  " + edit)
            do {
                _ = try ProfileLoader.parse(yaml: yaml, file: "toy.yaml")
                Issue.record("\(edit) should be rejected")
            } catch let e as ProfileError {
                #expect("\(e)".contains(message), "\(e)")
            }
        }
    }

    /// TFLite's `MultiplyByQuantizedMultiplier`, written from gemmlowp's fixedpoint.h and TFLite's
    /// common.h (independent of PolybitSim): double rounding =
    /// RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x·2^left, M0), right); single rounding
    /// = (x·M0 + 2^(total−1)) >> total with total = 31 − shift. Then + zero point, clamp.
    static func gemmlowp(
        _ x: Int32, _ m0: Int32, _ shift: Int32, single: Bool, zeroPoint: Int64, range: ClosedRange<Int64>
    ) -> Int64 {
        let scaled: Int64
        if single {
            let total = Int64(31 - shift)
            scaled = (Int64(x) * Int64(m0) + (Int64(1) << (total - 1))) >> total
        } else {
            let a = x &* (Int32(1) << max(shift, 0)), b = m0
            let high: Int32
            if a == b && a == Int32.min {
                high = Int32.max
            } else {
                let ab = Int64(a) * Int64(b)
                let nudge: Int64 = ab >= 0 ? 1 << 30 : 1 - (1 << 30)
                high = Int32((ab + nudge) / (Int64(1) << 31))  // truncating division, as in C++
            }
            let exponent = Int32(max(-shift, 0))
            let mask = (Int32(1) << exponent) &- 1
            let remainder = high & mask
            let threshold = (mask >> 1) + (high < 0 ? 1 : 0)
            scaled = Int64((high >> exponent) + (remainder > threshold ? 1 : 0))
        }
        return min(max(scaled + zeroPoint, range.lowerBound), range.upperBound)
    }

    /// Per output channel: bias, Q31 multiplier and shift putting the accumulator (bias + x for
    /// x in −128...127) on the edge cases of ../shared/ANCHORS.md: the 7984 case (double 12,
    /// single 11), its negative, exact ties (×0.5), a tie after a further right shift (×0.25,
    /// where double rounding rounds twice), a left shift, M0 = 2^31 − 1, accumulators near the
    /// int32 limits with the largest right shifts (wrapped first on a 16-bit accumulator), and ×16
    /// reaching the int16 output's clamp.
    static let edgeChannels: [(bias: Int32, m0: Int32, shift: Int32)] = [
        (7984, 1_583_594_044, -9), (-7984, 1_583_594_044, -9), (0, 1 << 30, 0), (0, 1 << 30, -1),
        (0, 3 << 29, 2), (0, Int32.max, 0), (Int32.max - 127, 1_583_594_044, -20),
        (Int32.min + 128, 1_073_741_825, -31), (2000, 1 << 30, 5),
    ]

    static func edgeModel() -> IntegerModel {
        let c = edgeChannels
        let layer = WeightedLayer(
            weights: [Int32](repeating: 1, count: c.count), weightShape: [c.count, 1, 1, 1], weightBits: 8,
            weightScale: [0.01], bias: c.map(\.bias), zc: nil, zcFractionBits: 0, biasFraction: nil,
            requant: Requantization(
                scale: c.map { Float(Double($0.m0) * pow(2, Double($0.shift - 31))) },
                multiplier: c.map(\.m0), shift: c.map(\.shift)),
            stride: [1, 1], padding: [0, 0])
        return IntegerModel(
            inputShape: [1, 1, 1], input: Quantization(bits: 8, signed: true, scale: 1, zeroPoint: 0),
            layers: [
                IntegerLayer(
                    name: "conv", op: .conv(layer), inputs: ["input"],
                    output: Quantization(bits: 16, signed: true, scale: 1, zeroPoint: -3))
            ])
    }

    @Test(arguments: shipped)
    func tfliteProfilesEqualTheGemmlowpReference(_ name: String) throws {
        let entry = try Self.load(name)
        let mode = entry.profile.compute.requant
        guard mode != .onnx else { return }  // onnxruntime: the test below
        let config = try SimulationArithmetic(profiles: [entry], overrides: ArithmeticOverrides()).config(threads: 2)
        let xs = Array(Int32(-128)...127)
        let out = try IntegerSimulator(model: Self.edgeModel(), config: config).run(images: xs, count: xs.count)
        let channels = Self.edgeChannels
        let accumulator = config.accumulator
        #expect(accumulator.overflow == .wrap)
        func wrap(_ v: Int64) -> Int32 {  // two's complement at the accumulator width
            let m = Int64(1) << accumulator.bits
            let r = ((v % m) + m) % m
            return Int32(r > accumulator.maxValue ? r - m : r)
        }
        var mismatches = 0
        for (i, x) in xs.enumerated() {
            for (c, ch) in channels.enumerated() {
                let acc = wrap(Int64(wrap(Int64(ch.bias))) + Int64(x))  // bias first, then the product x·1
                let expected = Self.gemmlowp(
                    acc, ch.m0, ch.shift, single: mode == .single,
                    zeroPoint: -3, range: -32768...32767)
                if Int64(out.outputs[i * channels.count + c]) != expected { mismatches += 1 }
            }
        }
        #expect(mismatches == 0, "\(name) (\(mode)): \(mismatches) of \(xs.count * channels.count) outputs differ")
        let atZero = 128 * channels.count  // x = 0: the anchor's accumulator 7984
        #expect(out.outputs[atZero] == (mode == .double ? 12 : 11) - 3)
        #expect(out.outputs[atZero + 8] == 31997, "2000·16 − 3")
        #expect(out.outputs[255 * channels.count + 8] == 32767, "2127·16 − 3 clamps at the int16 output")
    }

    /// Every shipped profile that declares `requant: onnx` simulates what onnxruntime computes for
    /// the same model (written with h5py by tools/sim/write_test_model.py, converted by PolybitONNX).
    @Test(arguments: ["conv3x3", "padded", "linear", "resnet"])
    func onnxProfilesEqualOnnxRuntime(_ testCase: String) throws {
        let onnx = try Self.shipped.map(Self.load).filter { $0.profile.compute.requant == .onnx }
        #expect(!onnx.isEmpty)
        guard (try? runPython("import h5py, onnx, onnxruntime")) != nil else {
            print("skipped \(testCase): python3 with h5py, onnx and onnxruntime is not available")
            return
        }
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try runTool("sim/write_test_model.py", [testCase, dir, "--seed", "\(testCase.count * 11 + 5)"])
        let model = try IntegerModel.read(path: dir + "/model.h5")
        let inputs = try InputSet.read(path: dir + "/inputs.h5", model: model)
        try ONNXExport.write(model, to: dir + "/model.onnx")
        for entry in onnx {
            let config = try SimulationArithmetic(profiles: [entry], overrides: ArithmeticOverrides()).config(
                threads: 2)
            let out = try IntegerSimulator(model: model, config: config).run(images: inputs.images, count: inputs.count)
            let expected = try HDF5File(path: dir + "/expected.h5", mode: .truncate)
            try expected.root.write("outputs", out.outputs, shape: [inputs.count] + out.outputShape)
            expected.close()
            let report = try runTool(
                "sim/onnx_check.py", [dir + "/model.onnx", "--given", dir + "/inputs.h5", dir + "/expected.h5"])
            #expect(
                report.contains("\(inputs.count)/\(inputs.count) images bit-exact"),
                "\(entry.file) on \(testCase): \(report)")
        }
    }
}
