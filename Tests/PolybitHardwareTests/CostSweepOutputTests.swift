import Foundation
import PolybitHardware
import PolybitNN
import PolybitSim
import Testing

/// The report formats of a sweep: one JSON object, CSV rows per layer plus totals, a table.
@Suite struct CostSweepOutputTests {
    func sweep() throws -> CostSweep {
        let topology = try ResNetTopology(depth: 20, inputChannels: 1, classes: 10)
        let input = TensorShape(channels: 1, height: 28, width: 28)
        let profiles = [
            (file: "toy.yaml", profile: try Fixtures.toy()),
            (file: "bitfusion.yaml", profile: try ProfileLoader.load(path: Fixtures.profilePath("bitfusion.yaml"))),
        ]
        return try CostSweep(
            networkName: topology.name, input: input, classes: 10, edgeBits: 8, bits: [2, 3, 8],
            profiles: profiles
        ) {
            try ResNetIntegerPlan(topology: topology, inputShape: [1, 28, 28], residual: .activation, precision: $0)
                .workloads()
        }
    }

    @Test func jsonIsOneObjectWithUnitsInTheNames() throws {
        let s = try sweep()
        let object = try JSONSerialization.jsonObject(with: Data(s.json.text.utf8)) as? [String: Any]
        let profiles = try #require(object?["profiles"] as? [[String: Any]])
        #expect(profiles.count == 2)
        let precisions = try #require(profiles[1]["precisions"] as? [[String: Any]])
        #expect(precisions.map { $0["bits"] as? Int } == [2, 3, 8])
        for key in [
            "bitops", "weight_KiB", "peak_activation_KiB", "dram_traffic_KiB", "cycles", "latency_ms",
            "energy_uJ", "energy_compute_uJ", "energy_memory_uJ", "energy_dram_uJ", "energy_leakage_uJ",
        ] {
            #expect(precisions[0][key] != nil, "missing \(key)")
        }
        // 3x3 runs as 4x4 on BitFusion, noted; the stem and classifier stay at 8x8.
        #expect(precisions[1]["notes"] as? [String] == ["3x3 runs as 4x4 on 20 of 22 MAC layers"])
        #expect((precisions[0]["layers"] as? [[String: Any]])?.count == 32)
    }

    @Test func csvHasARowPerLayerAndATotal() throws {
        let s = try sweep()
        let lines = s.csv.split(separator: "\n")
        #expect(lines.count == 1 + 2 * 3 * (32 + 1))
        #expect(lines[0].hasPrefix("profile,bits,layer,kind,run_bits,macs,bitops,weight_KiB"))
        #expect(lines.filter { $0.contains(",total,") }.count == 6)
        // Data cells keep every digit: the total energy reads back as the same Double.
        let total = try #require(lines.first { $0.hasPrefix("BitFusion,3,total,") }).split(
            separator: ",",
            omittingEmptySubsequences: false)
        #expect(Double(String(total[15])) == s.profiles[1].costs[1].energy.totalPJ * 1e-6)
    }

    @Test func tableHasARowPerWidth() throws {
        let s = try sweep()
        let table = s.table
        #expect(table.contains("BitFusion (bitfusion.yaml): resnet20 1x28x28, 10 classes, stem and classifier at 8x8"))
        #expect(table.contains("note at 3 bits: 3x3 runs as 4x4 on 20 of 22 MAC layers"))
        #expect(table.contains("energy uJ") && table.contains("latency ms"))
    }
}
