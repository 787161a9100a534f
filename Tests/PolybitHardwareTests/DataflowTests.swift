import PolybitHardware
import PolybitQuant
import PolybitTensor
import Testing

/// Hand-worked compute cycles and accesses of one small layer per new dataflow, the stalls of a
/// bandwidth-starved layer, batches, and the validation of the new profile fields (toy profile of
/// Fixtures.toyYAML: 4x4 array, 8-bit, WB 64 bits/cycle, AB 32 bits/cycle, DRAM 64 bits/cycle).
@Suite struct DataflowTests {
    let input = LayerWorkload.networkInput

    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    /// 1x1 conv, 8x4x4 -> 8x4x4 at 8x8 bits: K = 8, M = 8, N = 16.
    var pointwise: LayerWorkload {
        LayerWorkload.conv(
            "pw", input: input, inputShape: TensorShape(channels: 8, height: 4, width: 4),
            outChannels: 8, kernel: 1, weightBits: 8, activationBits: 8, outputBits: 8)
    }

    @Test func outputStationaryAsSCALESimCountsIt() throws {
        let c = try CostModel(profile: Fixtures.toy(dataflow: "systolic-os")).cost([pointwise]).layers[0]
        // Pixels over rows: ⌈16/4⌉ = 4 row folds; M over cols: 2; per fold K + rows + cols − 2 =
        // 8 + 4 + 4 − 2 = 14 cycles → 8 folds · 14 = 112 (SCALE-Sim reports the last index, 111).
        #expect(c.mapping.rowFolds == 4 && c.mapping.colFolds == 2 && c.mapping.schedule.folds == 8)
        #expect(c.computeCycles == 112)
        // Reads: weights once per row fold (4 · 512), im2col input once per col fold
        // (2 · 16 · 8 · 8 = 2048); no partial sums leave the PEs.
        // WB: fill 512 + 2048; AB: fill 1024 + 2048 + output 1024 + write-back 1024.
        #expect(c.levelBits == [2560, 5120])
    }

    @Test func rowStationaryRowPrimitives() throws {
        let profile = try Fixtures.toy(
            dataflow: "row-stationary, rf_words: {weights: 16, inputs: 6, psums: 4}")
        // 3x3 conv 2x6x6 -> 4x4x4: R = S = 3, E = F = 4, C = 2, M = 4.
        let layer = LayerWorkload.conv(
            "c3", input: input, inputShape: TensorShape(channels: 2, height: 6, width: 6),
            outChannels: 4, kernel: 3, weightBits: 8, activationBits: 8, outputBits: 8)
        let c = try CostModel(profile: profile).cost([layer]).layers[0]
        // PE set 3x4 (one per 4x4 array); q = min(2, ⌊6/3⌋) = 2 channels, p = min(4, ⌊16/(2·3)⌋, 4)
        // = 2 filters per PE; jobs ⌈4/2⌉·⌈2/2⌉ = 2 rounds of p·q·S·F = 48 cycles → 96
        // (= 1152 MACs on 12 busy PEs).
        #expect(c.macs == 1152 && c.mapping.rowFolds == 2 && c.mapping.colFolds == 1)
        #expect(c.computeCycles == 96 && close(c.mapping.utilization, 0.75))
        // Register files: 1152 MACs · (8 + 8 + 2·32) = 92160 bits, plus the 576 weight bits filled
        // from DRAM. Global buffer: 6 input rows of 6 per channel, read for each of ⌈2/1⌉ filter
        // passes: 2·6·6·2 = 144 values = 1152 bits, + fill 576 + output 512 + write-back 512;
        // all q = C channels accumulate in the PEs, so no partial sums spill.
        #expect(c.levelBits == [576 + 92_160, 576 + 1152 + 512 + 512])
    }

    @Test func bandwidthStarvedLayerStalls() throws {
        let yaml = Fixtures.toyYAML.replacingOccurrences(of: "DATAFLOW", with: "systolic-os")
            .replacingOccurrences(of: "bandwidth_GBps: 0.8", with: "bandwidth_GBps: 0.08")
        let profile = try ProfileLoader.parse(yaml: yaml, file: "toy-starved.yaml")
        let c = try CostModel(profile: profile).cost([pointwise]).layers[0]
        // DRAM at 6.4 bits/cycle. The first fold needs 512/2 weight bits (its col fold) and
        // 1024/4 input bits (its row fold): 512 / 6.4 = 80 cycles of fill. The other 2048 DRAM
        // bits take 320 cycles against 112 of compute: 208 more. Stall 288, latency 400.
        #expect(close(c.stalls.fillCycles, 80) && close(c.stalls.transferCycles, 320))
        #expect(close(c.stallCycles, 288) && close(c.latencyCycles, 400) && c.memoryBound)
    }

    @Test func batchFetchesWeightsOnceAndActivationsPerImage() throws {
        let model = CostModel(profile: try Fixtures.toy())
        let one = try model.cost([pointwise])
        let four = try model.cost([pointwise], batch: 4)
        let (w, i, o) = (one.layers[0].dramWeightBits, one.layers[0].dramInputBits, one.layers[0].dramOutputBits)
        #expect(w == 512 && i == 1024 && o == 1024)
        #expect(four.layers[0].dramWeightBits == w)
        #expect(four.layers[0].dramInputBits == 4 * i && four.layers[0].dramOutputBits == 4 * o)
        #expect(four.dramBits == w + 4 * (i + o) && four.macs == 4 * one.macs && four.batch == 4)
        // Weight-stationary: 4 folds stream 64 pixels each, 2·4 + 4 + 64 − 2 = 74 cycles per fold.
        #expect(four.computeCycles == 4 * 74)
        #expect(close(four.latencySecondsPerImage, four.latencySeconds / 4))
        #expect(close(four.energyPJPerImage * 4, four.energy.totalPJ))
        #expect(four.energyPJPerImage < one.energy.totalPJ)
        #expect(throws: InputError.self) { try model.cost([pointwise], batch: 0) }
    }

    @Test func newProfileFieldsAreValidated() throws {
        func message(_ dataflow: String, _ edit: (String) -> String = { $0 }) -> String {
            let yaml = edit(Fixtures.toyYAML.replacingOccurrences(of: "DATAFLOW", with: dataflow))
            do { _ = try ProfileLoader.parse(yaml: yaml, file: "t.yaml"); return "" } catch { return "\(error)" }
        }
        #expect(message("row-stationary").contains("t.yaml: compute.array.rf_words: missing"))
        #expect(
            message("systolic-os, rf_words: {weights: 1, inputs: 1, psums: 1}")
                == "t.yaml: compute.array.rf_words: only allowed with dataflow: row-stationary")
        #expect(
            message("row-stationary, rf_words: {weights: 0, inputs: 1, psums: 1}")
                .contains("t.yaml: compute.array.rf_words.weights: expected a positive integer"))
        #expect(message("systolic-xs").contains("t.yaml: compute.array.dataflow: expected one of"))
        let noWeights = message("row-stationary, rf_words: {weights: 1, inputs: 1, psums: 1}") {
            $0.replacingOccurrences(of: "holds: [weights]", with: "holds: []")
                .replacingOccurrences(
                    of:
                        "  - {name: WB, size_KiB: 1, word_bits: 64, bandwidth_bits_per_cycle: 64, energy_pJ_per_bit: 0.1, holds: []}\n",
                    with: "")
        }
        #expect(noWeights.hasPrefix("t.yaml: memory: dataflow row-stationary needs a memory holding weights"))
    }
}
