import Foundation
import PolybitHardware
import PolybitNN
import PolybitSim
import PolybitTensor
import Testing

/// `cost --vary FIELD=v1,v2,…`: the field syntax, what each field changes in a profile, and the
/// table of a variation.
@Suite struct ProfileVariationTests {
    static let bitfusion = Fixtures.profilePath("bitfusion.yaml")

    @Test func parsesEveryFieldAndItsValues() throws {
        let v = try ProfileVariation(parsing: "compute.array.size=8, 16,32")
        #expect(v.field == .arraySize && v.values == [8, 16, 32] && v.fieldName == "compute.array.size")
        #expect(try ProfileVariation(parsing: "memory.WBUF.size_KiB=16,64").field == .memorySize("WBUF"))
        #expect(
            try ProfileVariation(parsing: "memory.IBUF.bandwidth_bits_per_cycle=64").field == .memoryBandwidth("IBUF"))
        #expect(try ProfileVariation(parsing: "dram.bandwidth_GBps=0.5,2e1").values == [0.5, 20])
        #expect(try ProfileVariation(parsing: "clock_MHz=100").field == .clock)
    }

    @Test(arguments: [
        ("compute.array.size", "expected FIELD=v1,v2"),
        ("compute.array=8", "unknown field"),
        ("memory.WBUF.words=8", "unknown field"),
        ("dram.bandwidth_GBps=1,0", "'0' is not a positive number"),
        ("dram.bandwidth_GBps=nan", "'nan' is not a positive number"),
        ("dram.bandwidth_GBps=0x10", "'0x10' is not a positive number"),
        ("compute.array.rows=2.5", "2.5 is not a whole number"),
        ("clock_MHz=1,,2", "'' is not a positive number"),
    ])
    func badTextIsOneMessageNamingWhatIsWrong(_ text: String, _ message: String) {
        #expect {
            try ProfileVariation(parsing: text)
        } throws: { error in
            "\(error)".hasPrefix("--vary ") && "\(error)".contains(message)
        }
    }

    @Test func applyChangesTheFieldAndKeepsTheArrayConsistent() throws {
        let p = try ProfileLoader.load(path: Self.bitfusion)
        let square = try ProfileVariation(parsing: "compute.array.size=8").apply(8, to: p, file: "bf")
        #expect(square.compute.rows == 8 && square.compute.cols == 8 && square.compute.macsPerCycle == 64)
        let rows = try ProfileVariation(parsing: "compute.array.rows=4").apply(4, to: p, file: "bf")
        #expect(rows.compute.rows == 4 && rows.compute.cols == p.compute.cols && rows.compute.macsPerCycle == 64)
        let buffer = try ProfileVariation(parsing: "memory.IBUF.size_KiB=2").apply(2, to: p, file: "bf")
        #expect(buffer.memories.first { $0.name == "IBUF" }?.sizeBytes == 2048)
        #expect(buffer.memories.first { $0.name == "WBUF" } == p.memories.first { $0.name == "WBUF" })
        let dram = try ProfileVariation(parsing: "dram.bandwidth_GBps=3").apply(3, to: p, file: "bf")
        #expect(dram.dram.bandwidthGBps == 3 && dram.compute == p.compute)
        #expect {
            try ProfileVariation(parsing: "memory.GLB.size_KiB=1").apply(1, to: p, file: "bf.yaml")
        } throws: { "\($0)".contains("bf.yaml has no memory 'GLB' (it has WBUF, IBUF, OBUF)") }
    }

    /// ResNet-20 on BitFusion at 2 and 8 bits, the array 8×8 then 32×32: a row per value and width,
    /// the wider array faster at every width, and the widest width's own ratios 1.00.
    @Test func aVariationTableHasARowPerValueAndWidth() throws {
        let p = try ProfileLoader.load(path: Self.bitfusion)
        let topology = try ResNetTopology(depth: 20, inputChannels: 1, classes: 10)
        let input = TensorShape(channels: 1, height: 28, width: 28)
        let variation = try ProfileVariation(parsing: "compute.array.size=8,32")
        let sweep = try VariationSweep(variation: variation, file: "bitfusion.yaml", profile: p) { varied in
            try CostSweep(
                networkName: topology.name, input: input, classes: 10, edgeBits: 8, bits: [2, 8],
                profiles: [(file: "bitfusion.yaml", profile: varied)]
            ) {
                try ResNetIntegerPlan(topology: topology, inputShape: [1, 28, 28], residual: .bits(8), precision: $0)
                    .workloads()
            }
        }
        let latency = sweep.sweeps.map { $0.profiles[0].costs.map(\.latencySeconds) }
        #expect(latency[1][0] < latency[0][0] && latency[1][1] < latency[0][1])
        let lines = sweep.table.split(separator: "\n").map(String.init)
        #expect(lines.count == 2 + 4, "\(sweep.table)")
        #expect(lines[1].contains("faster than 8") && lines[1].contains("cheaper than 8"))
        let cells = lines.dropFirst(2).map { $0.split(separator: " ").map(String.init) }
        #expect(cells.map { $0[0] } == ["8", "8", "32", "32"] && cells.map { $0[1] } == ["2", "8", "2", "8"])
        #expect(cells[1][3] == "1.00" && cells[3][3] == "1.00" && cells[1][5] == "1.00")
        #expect(Double(cells[0][3])! > 1, "2 bits runs faster than 8 on BitFusion's fused PEs")
        #expect(sweep.latencySVG.hasPrefix("<svg") && sweep.latencySVG.contains("2 bits"))
    }
}
