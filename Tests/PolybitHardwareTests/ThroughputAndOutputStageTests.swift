import PolybitHardware
import PolybitQuant
import Testing

/// Per-width throughput rules (`compute.throughput`) and the output stage (`compute.output_stage`):
/// parsed with their errors, and their cycles and energy worked by hand.
@Suite struct ThroughputAndOutputStageTests {
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    /// The toy profile (Fixtures.toyYAML) with `extra` lines appended to its `compute` block.
    func toy(_ extra: String, widths: String = "[8]") throws -> HardwareProfile {
        let yaml = Fixtures.toyYAML.replacingOccurrences(of: "DATAFLOW", with: "systolic-ws")
            .replacingOccurrences(of: "activation_bits: [8]", with: "activation_bits: \(widths)")
            .replacingOccurrences(of: "  add_energy_pJ: 0.5\n", with: "  add_energy_pJ: 0.5\n" + extra)
        return try ProfileLoader.parse(yaml: yaml, file: "toy.yaml")
    }

    let pointwise = LayerWorkload.conv(
        "pw", input: LayerWorkload.networkInput, inputShape: TensorShape(channels: 8, height: 4, width: 4),
        outChannels: 8, kernel: 1, weightBits: 8, activationBits: 8, outputBits: 8)

    @Test func profilesDeclareRulesAndStagesOrGetOneLineNamingTheField() throws {
        let p = try toy(
            "  throughput:\n    - {activation_bits: 16, cycles_per_mac: 2, mac_energy_pJ: 3}\n"
                + "  output_stage: {outputs_per_cycle: 0.25, energy_pJ_per_output: 2}\n", widths: "[8, 16]")
        #expect(
            p.compute.throughput == [
                ThroughputRule(weightBits: nil, activationBits: 16, cyclesPerMAC: 2, macEnergyPJ: 3)
            ])
        #expect(p.compute.outputStage == OutputStage(outputsPerCycle: 0.25, energyPJPerOutput: 2))
        let cases: [(String, String)] = [
            ("  throughput:\n    - {activation_bits: 4, cycles_per_mac: 2}\n", "compute.throughput[0].activation_bits"),
            ("  throughput:\n    - {activation_bits: 8}\n", "compute.throughput[0].cycles_per_mac"),
            ("  throughput:\n    - {bits: 8, cycles_per_mac: 2}\n", "compute.throughput[0].bits"),
            (
                "  output_stage: {outputs_per_cycle: 0, energy_pJ_per_output: 1}\n",
                "compute.output_stage.outputs_per_cycle"
            ),
            ("  output_stage: {outputs_per_cycle: 1}\n", "compute.output_stage.energy_pJ_per_output"),
        ]
        for (extra, field) in cases {
            #expect(throws: ProfileError.self) { try toy(extra) }
            do { _ = try toy(extra) } catch { #expect("\(error)".contains(field), "\(error)") }
        }
    }

    /// At 16-bit activations the rule doubles each MAC's cycles and sets its energy; 8 bits keeps
    /// the native rate. The pointwise conv: 104 compute cycles at 8 bits (HandWorkedLayerTests).
    @Test func aThroughputRuleSlowsItsWidthsOnly() throws {
        let p = try toy(
            "  throughput:\n    - {activation_bits: 16, cycles_per_mac: 2, mac_energy_pJ: 3}\n", widths: "[8, 16]")
        let at8 = try ExecutionPrecision(.uniform(8), on: p.compute, profileName: p.name)
        let at16 = try ExecutionPrecision(
            Precision(weightBits: 8, activationBits: 16), on: p.compute, profileName: p.name)
        #expect(at8.serialSteps == 1 && at8.macEnergyPJ == 1)
        #expect(at16.serialSteps == 2 && at16.macEnergyPJ == 3)
        var wide = pointwise
        wide.activationBits = 16
        let model = CostModel(profile: p)
        let c8 = try model.cost([pointwise]).layers[0], c16 = try model.cost([wide]).layers[0]
        #expect(c8.computeCycles == 104 && c16.computeCycles == 208)
        #expect(close(c16.energy.computePJ, 1024 * 3))
        let ethos = try ProfileLoader.load(path: Fixtures.profilePath("ethos-u55-128.yaml"))
        let half = try ExecutionPrecision(
            Precision(weightBits: 8, activationBits: 16), on: ethos.compute, profileName: "")
        #expect(half.serialSteps == 2 && half.peakMACsPerCycle(ethos.compute) == 64)
    }

    /// 128 outputs at 0.25 per cycle take 512 cycles, longer than the 416 cycles of the busiest
    /// memory and the 104 of compute: stall = fill 10 + (512 − 104) = 418, latency 522; the layer
    /// is bound by its output stage, not memory. Energy: + 128 · 2 pJ of compute.
    @Test func theOutputStageCostsEveryOutputAndCanSetTheTime() throws {
        let free = try CostModel(profile: try Fixtures.toy()).cost([pointwise]).layers[0]
        let p = try toy("  output_stage: {outputs_per_cycle: 0.25, energy_pJ_per_output: 2}\n")
        let c = try CostModel(profile: p).cost([pointwise]).layers[0]
        #expect(close(c.stalls.outputStageCycles, 512) && close(c.stalls.transferCycles, 416))
        #expect(close(c.stallCycles, 418) && close(c.latencyCycles, 522))
        #expect(c.stalls.outputStageBound && !c.memoryBound)
        #expect(close(c.energy.computePJ, free.energy.computePJ + 256))
        let fast = try CostModel(profile: try toy("  output_stage: {outputs_per_cycle: 1, energy_pJ_per_output: 2}\n"))
            .cost([pointwise]).layers[0]
        #expect(close(fast.latencyCycles, free.latencyCycles) && fast.memoryBound && !fast.stalls.outputStageBound)
    }
}
