import Foundation
import PolybitHardware
import PolybitNN
import PolybitSim
import Testing

/// A profile's `special_functions` decides how softmax, GELU and LayerNorm run: switching it
/// changes both what `simulate --profile` computes and what the cost model charges.
@Suite struct SpecialFunctionTests {
    /// eyeriss.yaml (16-bit operands, so the ViT's 16-bit scores run) with `extra` compute lines.
    func eyeriss(_ extra: String = "") throws -> HardwareProfile {
        var text = try String(contentsOfFile: Fixtures.profilePath("eyeriss.yaml"), encoding: .utf8)
        let line = text.components(separatedBy: "\n").first { $0.hasPrefix("  add_energy_pJ:") }!
        text = text.replacingOccurrences(of: line, with: line + extra)
        return try ProfileLoader.parse(yaml: text, file: "hwprofiles/x.yaml")
    }

    let unitLines = "\n  special_functions: unit\n  special_function_energy_pJ: 2"

    @Test func profileFieldsAreReadAndChecked() throws {
        #expect(try eyeriss().compute.specialFunctions == .integer)
        let unit = try eyeriss(unitLines).compute
        #expect(unit.specialFunctions == .unit && unit.specialFunctionEnergyPJ == 2)
        for (extra, mentions) in [
            (
                "\n  special_function_energy_pJ: 2",
                "compute.special_function_energy_pJ: only allowed with special_functions: unit"
            ),
            ("\n  special_functions: unit", "compute.special_function_energy_pJ: missing"),
            ("\n  special_functions: lut", "compute.special_functions:"),
        ] {
            do {
                _ = try eyeriss(extra)
                Issue.record("no error for \(extra)")
            } catch let e as ProfileError {
                #expect(e.description.contains(mentions), "\(e.description)")
            }
        }
        #expect(try ProfileLoader.load(path: Fixtures.profilePath("tpu-v1.yaml")).compute.specialFunctions == .unit)
    }

    @Test func switchingTheProfileChangesSimulationAndCost() throws {
        let topology = try ViTTopology(
            inputChannels: 1, height: 8, width: 8, classes: 10, patch: 4, dim: 16, depth: 2, heads: 2)
        let model = IntegerModel.syntheticViT(topology: topology)
        let images = model.randomInputs(count: 4)
        let integer = try eyeriss(), unit = try eyeriss(unitLines)
        func softmax(_ p: HardwareProfile) throws -> [Int32] {
            let sim = try IntegerSimulator(model: model, config: SimulationConfig(profile: p, threads: 1))
            return sim.trace(images: images, count: 4, layers: ["block0.attn.softmax"]).1[0].output
        }
        let (a, b) = (try softmax(integer), try softmax(unit))
        #expect(a != b)
        #expect(zip(a, b).allSatisfy { abs(Int($0) - Int($1)) <= 200 })  // both within 0.0025 of float at 16 bits
        let arithmetic = try SimulationArithmetic(profiles: [("u.yaml", unit)], overrides: ArithmeticOverrides())
        #expect(arithmetic.config().specialFunctions == .unit && arithmetic.summary.hasSuffix("on a unit (profile)"))

        let work = try model.workloads()
        func softmaxEnergy(_ p: HardwareProfile) throws -> Double {
            try CostModel(profile: p).cost(work).layers.first { $0.name == "block0.attn.softmax" }!.energy.computePJ
        }
        let elements = 2.0 * 5 * 5, c = integer.compute
        #expect(try softmaxEnergy(unit) == elements * 2)
        #expect(abs(try softmaxEnergy(integer) - elements * (3 * c.macEnergyPJ + 8 * c.addEnergyPJ)) < 1e-9)
    }
}
