import Foundation
import PolybitHardware
import PolybitNN
import PolybitQuant
import PolybitSim
import Testing

@Suite struct ProfileLoadingTests {
    @Test func everyShippedProfileLoadsAndCitesASource() throws {
        let dir = Fixtures.root.appendingPathComponent("hwprofiles").path
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".yaml") }.sorted()
        for required in [
            "eyeriss.yaml", "bitfusion.yaml", "ethos-u55-128.yaml", "cortex-m7-cmsis-nn.yaml",
            "nvdla-small.yaml", "tpu-v1.yaml",
        ] {
            #expect(files.contains(required), "missing \(required)")
        }
        let layers = try ResNetIntegerPlan(
            topology: ResNetTopology(depth: 20, inputChannels: 1, classes: 10), inputShape: [1, 28, 28],
            residual: .activation, precision: Precision.uniform(8)
        ).workloads()
        for file in files {
            let profile = try ProfileLoader.load(path: dir + "/" + file)
            #expect(profile.source.count > 40, "\(file): source too short")
            let cost = try CostModel(profile: profile).cost(layers)
            #expect(cost.latencySeconds > 0 && cost.energy.totalPJ > 0, "\(file)")
        }
    }

    /// The toy profile with one line replaced (or removed when `with` is nil).
    func variant(_ old: String, _ new: String?) -> String {
        let base = Fixtures.toyYAML.replacingOccurrences(of: "DATAFLOW", with: "systolic-ws")
        precondition(base.contains(old), old)
        return base.replacingOccurrences(of: old + (new == nil ? "\n" : ""), with: new ?? "")
    }

    func message(_ yaml: String) -> String? {
        do {
            _ = try ProfileLoader.parse(yaml: yaml, file: "hwprofiles/x.yaml")
            return nil
        } catch let error as ProfileError {
            return error.description
        } catch {
            return "unexpected \(error)"
        }
    }

    @Test func missingField() {
        #expect(
            message(variant("  macs_per_cycle: 16", nil))
                == "hwprofiles/x.yaml: compute.macs_per_cycle: missing (expected a positive integer)")
        #expect(
            message(variant("source: hand-made for tests", nil))
                == "hwprofiles/x.yaml: source: missing (expected a non-empty string)")
    }

    @Test func wrongType() {
        #expect(
            message(variant("macs_per_cycle: 16", "macs_per_cycle: abc"))
                == "hwprofiles/x.yaml: compute.macs_per_cycle: expected a positive integer, found \"abc\"")
        #expect(
            message(variant("weight_bits: [8]", "weight_bits: 8"))
                == "hwprofiles/x.yaml: compute.weight_bits: expected a non-empty ascending list of bit-widths in 1-32, e.g. [2, 4, 8], found \"8\""
        )
    }

    @Test func negativeNumber() {
        #expect(
            message(variant("leakage_mW: 1", "leakage_mW: -1"))
                == "hwprofiles/x.yaml: leakage_mW: expected a number ≥ 0, found \"-1\"")
        #expect(
            message(variant("bandwidth_GBps: 0.8", "bandwidth_GBps: -0.8"))
                == "hwprofiles/x.yaml: dram.bandwidth_GBps: expected a positive number, found \"-0.8\"")
        #expect(
            message(variant("size_KiB: 1,", "size_KiB: -1,"))
                == "hwprofiles/x.yaml: memory[0].size_KiB: expected a positive number, found \"-1\"")
    }

    @Test func unknownField() {
        #expect(
            message(variant("  requant: double", "  requant: double\n  mac_energy_pj: 3"))?
                .hasPrefix("hwprofiles/x.yaml: compute.mac_energy_pj: unknown field (expected one of: kind,") == true)
        #expect(
            message(variant("clock_MHz: 100", "clock_mhz: 100"))?
                .hasPrefix("hwprofiles/x.yaml: clock_mhz: unknown field") == true)
    }

    @Test func unknownKind() {
        #expect(
            message(variant("kind: fixed-width", "kind: analog"))
                == "hwprofiles/x.yaml: compute.kind: expected one of fixed-width|bit-fusion|bit-serial, found \"analog\""
        )
        #expect(
            message(variant("requant: double", "requant: triple"))
                == "hwprofiles/x.yaml: compute.requant: expected one of onnx|double|single, found \"triple\"")
        #expect(
            message(variant("holds: [weights]", "holds: [biases]"))
                == "hwprofiles/x.yaml: memory[0].holds[0]: expected one of weights, inputs, outputs (no repeats), found \"biases\""
        )
    }

    @Test func notYAML() {
        #expect(message("name: [unclosed\n  source: {")?.hasPrefix("hwprofiles/x.yaml: not valid YAML") == true)
        #expect(message("just a string") == "hwprofiles/x.yaml: expected a mapping of fields, found \"just a string\"")
        let missing = "/nonexistent/profile.yaml"
        #expect(
            throws: ProfileError(file: missing, field: "", problem: "cannot read the file (missing or not UTF-8 text)")
        ) {
            try ProfileLoader.load(path: missing)
        }
    }

    @Test func inconsistentProfiles() {
        #expect(
            message(variant("macs_per_cycle: 16", "macs_per_cycle: 32"))
                == "hwprofiles/x.yaml: compute.macs_per_cycle: expected rows·cols·pixels of compute.array = 16, found 32"
        )
        #expect(
            message(variant("holds: [inputs, outputs]", "holds: [weights, inputs, outputs]"))
                == "hwprofiles/x.yaml: memory[1].holds: weights are already held by \"WB\" (each of weights, inputs, outputs lives in at most one level)"
        )
        #expect(
            message(variant("holds: [inputs, outputs]", "holds: [inputs]"))
                == "hwprofiles/x.yaml: memory: no on-chip memory holds outputs (expected one level with it in `holds`)")
        #expect(
            message(variant("energy_pJ_per_access: 6.4,", ""))
                == "hwprofiles/x.yaml: memory[1].energy_pJ_per_bit: expected exactly one of energy_pJ_per_bit or energy_pJ_per_access"
        )
        #expect(
            message(variant("holds: [inputs, outputs]}", "holds: [inputs, outputs], persistent_weights: true}"))
                == "hwprofiles/x.yaml: memory[1].persistent_weights: only allowed on a memory that holds weights")
        #expect(
            message(variant("holds: [weights]}", "holds: [weights], persistent_weights: yes please}"))
                == "hwprofiles/x.yaml: memory[0].persistent_weights: expected true or false, found \"yes please\"")
        #expect(
            message(variant("kind: fixed-width", "kind: bit-serial"))
                == "hwprofiles/x.yaml: compute.serial_operands: missing (expected one of activations|both)")
        #expect(
            message(variant("weight_bits: [8]", "weight_bits: [8, 4]"))
                == "hwprofiles/x.yaml: compute.weight_bits[1]: expected a non-empty ascending list of bit-widths in 1-32, e.g. [2, 4, 8], found \"4\""
        )
    }
}
