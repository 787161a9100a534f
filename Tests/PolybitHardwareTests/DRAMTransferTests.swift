import Foundation
import PolybitHardware
import PolybitQuant
import Testing

/// The DRAM interface options (`dram.ports`, `dram.tiles`, `dram.input_fetch`): parsed with their
/// errors, the fill / steady / drain split worked by hand, and one layer costed as SCALE-Sim's
/// USER bandwidth runs it (tools/hw/scalesim_check.py measures the same layer at 3870 cycles).
@Suite struct DRAMTransferTests {
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    /// SCALE-Sim's setup as the check copies it: a 16x16 output-stationary array of 8-bit MACs at
    /// 1 GHz, ifmap / filter / ofmap SRAMs (IFMAP KiB for inputs, 64 KiB for the others) whose
    /// ports never limit, one DRAM port of GBPS GB/s (= bytes per cycle) per operand.
    func scaleSimLike(ifmapKiB: Int = 64, gbps: Double = 10, dram: String = DRAMTransferTests.userMode)
        throws -> HardwareProfile
    {
        let yaml = """
            name: SCALE-Sim-like
            source: tests
            technology_nm: 45
            clock_MHz: 1000
            leakage_mW: 0
            compute:
              kind: fixed-width
              macs_per_cycle: 256
              array: {dataflow: systolic-os, rows: 16, cols: 16}
              weight_bits: [8]
              activation_bits: [8]
              multiplier_bits: 8
              accumulator_bits: 32
              requant: single
              mac_energy_pJ: 0.2
              add_energy_pJ: 0.03
            memory:
              - {name: filter, size_KiB: 64, word_bits: 8, bandwidth_bits_per_cycle: 1048576, energy_pJ_per_bit: 0.4, holds: [weights]}
              - {name: ifmap, size_KiB: \(ifmapKiB), word_bits: 8, bandwidth_bits_per_cycle: 1048576, energy_pJ_per_bit: 0.4, holds: [inputs]}
              - {name: ofmap, size_KiB: 64, word_bits: 8, bandwidth_bits_per_cycle: 1048576, energy_pJ_per_bit: 0.4, holds: [outputs]}
            dram:
              bandwidth_GBps: \(gbps)
              energy_pJ_per_bit: 20
            \(dram)
            """
        return try ProfileLoader.parse(yaml: yaml, file: "scalesim.yaml")
    }

    static let userMode = "  ports: per-operand\n  tiles: half-buffer\n  input_fetch: im2col"

    /// ResNet-20's stem at 1x28x28: K = 9, M = 16, N = 784; on 16x16 output-stationary
    /// ⌈784/16⌉ = 49 folds of 9 + 16 + 16 − 2 = 39 cycles: 1911 compute cycles.
    let stem = LayerWorkload.conv(
        "stem", input: LayerWorkload.networkInput, inputShape: TensorShape(channels: 1, height: 28, width: 28),
        outChannels: 16, kernel: 3, padding: 1, weightBits: 8, activationBits: 8, outputBits: 8)

    @Test func optionsDefaultToTheSharedFoldModelAndBadValuesNameTheField() throws {
        let plain = try scaleSimLike(dram: "")
        #expect(plain.dram.ports == .shared && plain.dram.tiles == .fold && plain.dram.inputFetch == .tensor)
        let user = try scaleSimLike()
        #expect(user.dram.ports == .perOperand && user.dram.tiles == .halfBuffer && user.dram.inputFetch == .im2col)
        for (line, field) in [
            ("  ports: both", "dram.ports"), ("  tiles: half", "dram.tiles"),
            ("  input_fetch: rows", "dram.input_fetch"),
        ] {
            #expect(throws: ProfileError.self) { try scaleSimLike(dram: line) }
            do { _ = try scaleSimLike(dram: line) } catch { #expect("\(error)".contains(field), "\(error)") }
        }
        let eyeriss = try String(contentsOfFile: Fixtures.profilePath("eyeriss.yaml"), encoding: .utf8)
        let im2col = eyeriss.replacingOccurrences(
            of: "energy_pJ_per_bit: 8", with: "energy_pJ_per_bit: 8\n  input_fetch: im2col")
        do {
            _ = try ProfileLoader.parse(yaml: im2col, file: "eyeriss.yaml")
            Issue.record("im2col on a row-stationary array was accepted")
        } catch {
            #expect(
                "\(error)".contains("dram.input_fetch: im2col needs dataflow systolic-ws or systolic-os"), "\(error)")
        }
    }

    /// Weights 800 bits (200 in the fill), inputs 1000 (500), outputs 300 (100 in the drain), 10 bits
    /// per cycle. Shared: fill (200 + 500)/10 = 70, steady (600 + 500 + 200)/10 = 130, drain 10.
    /// Per operand: fill max(200, 500)/10 = 50, steady max(60, 50, 20) = 60. Half-buffer tiles over
    /// 100 compute cycles add each operand's unhidden tile: 25, 50 and 100/3 → steady max(85, 100,
    /// 53.3) = 100; with the shared interface 130 + 50 = 180.
    @Test func theFillSteadyStateAndDrainSplitByHand() {
        let w = DRAMTransfers.Operand(total: 800, edge: 200)
        let i = DRAMTransfers.Operand(total: 1000, edge: 500)
        let o = DRAMTransfers.Operand(total: 300, edge: 100)
        let shared = DRAMTransfers(weights: w, inputs: i, outputs: o, bitsPerCycle: 10, ports: .shared)
        #expect(close(shared.fillCycles, 70) && close(shared.steadyCycles, 130) && close(shared.drainCycles, 10))
        let ports = DRAMTransfers(weights: w, inputs: i, outputs: o, bitsPerCycle: 10, ports: .perOperand)
        #expect(close(ports.fillCycles, 50) && close(ports.steadyCycles, 60) && close(ports.drainCycles, 10))
        let tiled = DRAMTransfers(
            weights: w, inputs: i, outputs: o, bitsPerCycle: 10, ports: .perOperand, tiles: .halfBuffer,
            computeCycles: 100)
        #expect(close(tiled.steadyCycles, 100))
        let sharedTiled = DRAMTransfers(
            weights: w, inputs: i, outputs: o, bitsPerCycle: 10, ports: .shared, tiles: .halfBuffer, computeCycles: 100)
        #expect(close(sharedTiled.steadyCycles, 180))
        #expect(DRAMTransfers.Operand(total: 5, edge: 9).edge == 5)
    }

    /// Everything fits half a buffer: the im2col input (9·784 = 7056 B) and the 144 B of weights fill
    /// on their own ports, max(7056, 144)/10 = 705.6 cycles; the 16·784 = 12544 B of outputs drain
    /// after compute, 1254.4 cycles. Nothing is left to overlap: stall 1960, 3871 cycles (SCALE-Sim
    /// v3: 3870, its last cycle's index). With one shared port and tensor fetches the first fold
    /// needs all weights (one column fold) and 1/49 of the input: (144 + 16) B / 10 = 16 cycles,
    /// and the outputs drain behind compute.
    @Test func aLayerThatFitsHalfItsBuffersFillsAndDrainsAsSCALESimRunsIt() throws {
        let c = try CostModel(profile: try scaleSimLike()).cost([stem]).layers[0]
        #expect(c.computeCycles == 1911 && c.dramInputBits == 7056 * 8)
        #expect(close(c.stalls.fillCycles, 705.6) && close(c.stalls.drainCycles, 1254.4))
        #expect(close(c.stallCycles, 1960) && close(c.latencyCycles, 3871) && !c.memoryBound)
        let fold = try CostModel(profile: try scaleSimLike(dram: "")).cost([stem]).layers[0]
        #expect(fold.dramInputBits == 784 * 8 && close(fold.stalls.drainCycles, 0))
        #expect(close(fold.stalls.fillCycles, (144 + 784.0 / 49) * 8 / 80))
    }

    /// Bandwidth-starved: 2 GB/s (16 bits per cycle) and an 8 KiB ifmap SRAM, whose half (4096 B)
    /// holds less than the 7056 B im2col input. Fill 4096/2 = 2048 cycles; the other 2960 B take
    /// 1480 cycles and overlap the compute of every tile but the last, 1911 · 4096/7056 = 1109.33
    /// cycles: stall (1480 + 1109.33) − 1911 = 678.33; drain 12544/2 = 6272. Stall 8998.33,
    /// latency 10909.33 cycles, memory-bound.
    @Test func aBandwidthStarvedLayerStallsOnItsLastTile() throws {
        let c = try CostModel(profile: try scaleSimLike(ifmapKiB: 8, gbps: 2)).cost([stem]).layers[0]
        #expect(close(c.stalls.fillCycles, 2048) && close(c.stalls.drainCycles, 6272))
        let lastTile: Double = 1911.0 * 4096 / 7056
        let steady: Double = 1480 + lastTile
        #expect(close(c.stalls.transferCycles, steady))
        #expect(close(c.stallCycles, 2048 + (steady - 1911) + 6272))
        #expect(close(c.latencyCycles, 1911 + c.stallCycles) && c.memoryBound)
    }
}
