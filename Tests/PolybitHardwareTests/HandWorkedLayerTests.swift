import PolybitHardware
import PolybitQuant
import Testing

/// Every field of the per-layer cost of three layers on the toy profile (Fixtures.toyYAML),
/// worked by hand. Each layer is costed alone, so its input is the network input (read from DRAM)
/// and its output the network output (written to DRAM).
@Suite struct HandWorkedLayerTests {
    let input = LayerWorkload.networkInput

    /// Relative closeness for the Double fields.
    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-9 * max(1, abs(b)) }

    @Test func pointwiseConv() throws {
        let profile = try Fixtures.toy()
        // 1x1 conv, 8x4x4 -> 8x4x4, 8x8 bits.
        let layer = LayerWorkload.conv(
            "pw", input: input, inputShape: TensorShape(channels: 8, height: 4, width: 4),
            outChannels: 8, kernel: 1, weightBits: 8, activationBits: 8, outputBits: 8)
        let c = try CostModel(profile: profile).cost([layer]).layers[0]
        #expect(c.macs == 1024)  // 8 out · 16 px · 8 in
        #expect(c.bitOps == 65_536)  // 1024 · 8 · 8
        #expect(c.requested == Precision.uniform(8) && c.run == Precision.uniform(8) && c.note == nil)
        #expect(c.weightBits == 512 && c.weightStoredBits == 512)  // 64 params · 8
        #expect(c.inputBits == 1024 && c.outputBits == 1024)  // 128 values · 8
        #expect(c.liveActivationBits == 2048 && c.liveActivationStoredBits == 2048)
        // K = 8, M = 8, N = 16: row folds ⌈8/4⌉ = 2, col folds ⌈8/4⌉ = 2,
        // 2·4 + 4 + 16 − 2 = 26 cycles per fold → 104 cycles; 1024 / (104·16) utilization.
        #expect(c.mapping.rowFolds == 2 && c.mapping.colFolds == 2)
        #expect(c.computeCycles == 104)
        #expect(close(c.mapping.utilization, 1024.0 / (104 * 16)))
        // Fits: 512 ≤ 8192 bits of WB; the live 2048 ≤ 32768 bits of AB.
        #expect(
            c.fits == [
                TensorFit(level: "WB", role: .weights, bits: 512, capacityBits: 8192),
                TensorFit(level: "AB", role: .inputs, bits: 2048, capacityBits: 32768),
            ])
        #expect(c.fits.allSatisfy { $0.fits })
        #expect(!c.inputOnChip && !c.outputOnChip)
        // DRAM: weights 512 + network input 1024 + network output 1024 = 2560 bits, no re-fetch.
        #expect(c.dramWeightBits == 512 && c.dramInputBits == 1024 && c.dramOutputBits == 1024)
        #expect(c.dramBits == 2560 && c.weightPasses == 1 && c.inputPasses == 1)
        // WB: fill 512 + array reads 512 = 1024.
        // AB: fill 1024 + reads 2 col folds · 16 px · K 8 · 8 bits = 2048, output 1024,
        //     partial sums (2 − 1) row folds · 2 (write + read) · 16 · 8 · 32 bits = 8192,
        //     write-back read 1024 → 13312.
        #expect(c.levelBits == [1024, 13_312])
        // Memory cycles: max(DRAM 2560/64 = 40, WB 1024/64 = 16, AB 13312/32 = 416) = 416 > 104.
        #expect(close(c.memoryCycles, 416))
        // Stalls: the first of 4 folds needs 512/4 weight bits and 1024/2 input bits (its row
        // fold's channels): 640 bits / 64 = 10 cycles of fill; then AB's 416 cycles outlast the
        // 104 of compute by 312: latency 104 + 10 + 312 = 426, memory-bound.
        #expect(close(c.stalls.fillCycles, 10) && close(c.stalls.transferCycles, 416))
        #expect(close(c.stallCycles, 322) && c.memoryBound)
        #expect(close(c.latencyCycles, 426))
        #expect(close(c.latencySeconds, 426 / 100e6))
        // Energy (pJ): compute 1024 · 1; WB 1024 · 0.1; AB 13312 · 6.4/32; DRAM 2560 · 10;
        // leakage 1 mW · 4.26 µs = 4260 pJ.
        #expect(close(c.energy.computePJ, 1024))
        #expect(close(c.energy.memoryPJ[0], 102.4) && close(c.energy.memoryPJ[1], 2662.4))
        #expect(close(c.energy.dramPJ, 25_600) && close(c.energy.leakagePJ, 4260))
        #expect(close(c.energy.totalPJ, 1024 + 102.4 + 2662.4 + 25_600 + 4260))
    }

    @Test func stridedPaddedConv() throws {
        let profile = try Fixtures.toy()
        // 3x3 conv, stride 2, padding 1: 4x6x6 -> 8x3x3 ((6 + 2 − 3)/2 + 1 = 3), 8x8 bits.
        let layer = LayerWorkload.conv(
            "c3", input: input, inputShape: TensorShape(channels: 4, height: 6, width: 6),
            outChannels: 8, kernel: 3, stride: 2, padding: 1,
            weightBits: 8, activationBits: 8, outputBits: 8)
        #expect(layer.outputShape == TensorShape(channels: 8, height: 3, width: 3))
        let c = try CostModel(profile: profile).cost([layer]).layers[0]
        #expect(c.macs == 2592)  // 8 · 9 px · (4 · 9)
        #expect(c.bitOps == 165_888)  // 2592 · 64
        #expect(c.weightBits == 2304 && c.weightStoredBits == 2304)  // 288 params · 8
        #expect(c.inputBits == 1152 && c.outputBits == 576)  // 144 · 8, 72 · 8
        #expect(c.liveActivationBits == 1728)
        // K = 36, M = 8, N = 9: row folds 9, col folds 2, 8 + 4 + 9 − 2 = 19 per fold → 342 cycles.
        #expect(c.mapping.rowFolds == 9 && c.mapping.colFolds == 2 && c.computeCycles == 342)
        #expect(close(c.mapping.utilization, 2592.0 / (342 * 16)))
        #expect(c.fits.map(\.bits) == [2304, 1728] && c.fits.allSatisfy { $0.fits })
        // DRAM 2304 + 1152 + 576 = 4032.
        #expect(c.dramWeightBits == 2304 && c.dramInputBits == 1152 && c.dramOutputBits == 576)
        // WB 2·2304 = 4608; AB: fill 1152 + reads 2 · 9 · 36 · 8 = 5184, output 576,
        // partial sums 8 · 2 · 9 · 8 · 32 = 36864, write-back 576 → 44352.
        #expect(c.levelBits == [4608, 44_352])
        // max(4032/64 = 63, 4608/64 = 72, 44352/32 = 1386) = 1386 cycles.
        #expect(close(c.memoryCycles, 1386))
        // Fill: 2304/18 folds + 1152/9 row folds = 256 bits = 4 cycles; AB's 1386 cycles outlast
        // the 342 of compute by 1044: latency 342 + 4 + 1044 = 1390.
        #expect(close(c.stallCycles, 1048) && close(c.latencyCycles, 1390))
        #expect(close(c.latencySeconds, 13.90e-6))
        #expect(close(c.energy.computePJ, 2592))
        #expect(close(c.energy.memoryPJ[0], 460.8) && close(c.energy.memoryPJ[1], 8870.4))
        #expect(close(c.energy.dramPJ, 40_320) && close(c.energy.leakagePJ, 13_900))
    }

    @Test func linearWidenedToNative() throws {
        let profile = try Fixtures.toy()
        // Linear 64 -> 10 requested at 4x4 on an 8-bit-only array, int32 logits out.
        let layer = LayerWorkload.linear(
            "fc", input: input, inputShape: TensorShape(channels: 16, height: 2, width: 2),
            outFeatures: 10, weightBits: 4, activationBits: 4, outputBits: 32)
        let c = try CostModel(profile: profile).cost([layer]).layers[0]
        #expect(c.macs == 640)
        #expect(c.bitOps == 10_240)  // at the requested 4x4: 640 · 16
        #expect(c.run == Precision.uniform(8) && c.note == "4x4 runs as 8x8")
        #expect(c.weightBits == 2560 && c.weightStoredBits == 5120)  // 640 · 4, 640 · 8
        // Input stored at 8 bits (64 · 8); the int32 logits have no wider supported width: 10 · 32.
        #expect(c.inputBits == 512 && c.outputBits == 320)
        #expect(c.liveActivationBits == 256 + 320 && c.liveActivationStoredBits == 512 + 320)
        // K = 64, M = 10, N = 1: row folds 16, col folds 3, 8 + 4 + 1 − 2 = 11 per fold → 528.
        #expect(c.mapping.rowFolds == 16 && c.mapping.colFolds == 3 && c.computeCycles == 528)
        #expect(close(c.mapping.utilization, 640.0 / (528 * 16)))
        #expect(c.fits.map(\.bits) == [5120, 832] && c.fits.allSatisfy { $0.fits })
        #expect(c.dramWeightBits == 5120 && c.dramInputBits == 512 && c.dramOutputBits == 320)
        // WB 2 · 5120; AB: fill 512 + reads 3 · 64 · 8 = 1536, output 320,
        // partial sums 15 · 2 · 10 · 32 = 9600, write-back 320 → 12288.
        #expect(c.levelBits == [10_240, 12_288])
        // Memory: max(5952/64 = 93, 10240/64 = 160, 12288/32 = 384) = 384 < 528 compute cycles,
        // so only the fill stalls: 5120/48 folds + 512/16 row folds = 416/3 bits, 13/6 cycles.
        #expect(close(c.memoryCycles, 384) && !c.memoryBound)
        #expect(close(c.stallCycles, 13.0 / 6) && close(c.latencyCycles, 528 + 13.0 / 6))
        #expect(close(c.latencySeconds, (528 + 13.0 / 6) / 100e6))
        // Fixed-width array: a MAC costs the native 1 pJ whatever was requested.
        #expect(close(c.energy.computePJ, 640))
        #expect(close(c.energy.memoryPJ[0], 1024) && close(c.energy.memoryPJ[1], 2457.6))
        #expect(close(c.energy.dramPJ, 59_520) && close(c.energy.leakagePJ, 5280 + 1e9 * 13.0 / 6 / 100e6))
    }

    @Test func parallelDataflowIsOutputStationary() throws {
        let profile = try Fixtures.toy(dataflow: "parallel")
        let layer = LayerWorkload.conv(
            "c3", input: input, inputShape: TensorShape(channels: 4, height: 6, width: 6),
            outChannels: 8, kernel: 3, stride: 2, padding: 1,
            weightBits: 8, activationBits: 8, outputBits: 8)
        let c = try CostModel(profile: profile).cost([layer]).layers[0]
        // 9 row folds · 2 col folds · ⌈9 px / 1⌉ = 162 cycles, no fill or drain.
        #expect(c.computeCycles == 162)
        // WB: fill 2304 + weights re-read for each of the 9 output pixels, 9 · 2304.
        // AB: fill 1152 + each input value once per col fold 2 · 1152 + output 576 + write-back
        // 576; partial sums stay in the accumulators.
        #expect(c.levelBits == [2304 + 20_736, 1152 + 2304 + 576 + 576])
        #expect(c.dramBits == 2304 + 1152 + 576)
    }

    @Test func intermediateActivationsStayOnChipInAUnifiedBuffer() throws {
        let profile = try Fixtures.toy()
        let shape = TensorShape(channels: 8, height: 4, width: 4)
        let a = LayerWorkload.conv(
            "a", input: input, inputShape: shape, outChannels: 8, kernel: 1,
            weightBits: 8, activationBits: 8, outputBits: 8)
        let b = LayerWorkload.conv(
            "b", input: "a", inputShape: shape, outChannels: 8, kernel: 1,
            weightBits: 8, activationBits: 8, outputBits: 8)
        let cost = try CostModel(profile: profile).cost([a, b])
        // a's output (1024 bits) is live at both steps with 2048 bits in all, which fits AB.
        #expect(cost.layers[0].dramOutputBits == 0 && cost.layers[0].outputOnChip)
        #expect(cost.layers[1].dramInputBits == 0 && cost.layers[1].inputOnChip)
        #expect(cost.dramBits == 512 + 1024 + 512 + 1024)
        #expect(cost.peakActivationBits == 2048)
    }

    @Test func persistentWeightsLeaveNoPerInferenceWeightTraffic() throws {
        let yaml = Fixtures.toyYAML.replacingOccurrences(of: "DATAFLOW", with: "systolic-ws")
            .replacingOccurrences(of: "holds: [weights]}", with: "holds: [weights], persistent_weights: true}")
        let profile = try ProfileLoader.parse(yaml: yaml, file: "toy.yaml")
        let layer = LayerWorkload.conv(
            "pw", input: input, inputShape: TensorShape(channels: 8, height: 4, width: 4),
            outChannels: 8, kernel: 1, weightBits: 8, activationBits: 8, outputBits: 8)
        let cost = try CostModel(profile: profile).cost([layer])
        // 512 weight bits fit the 8192-bit WB: loaded once, outside the inference.
        #expect(cost.weightsResident)
        #expect(cost.layers[0].dramWeightBits == 0 && cost.layers[0].levelBits[0] == 512)
        let big = LayerWorkload.conv(
            "big", input: input, inputShape: TensorShape(channels: 64, height: 8, width: 8),
            outChannels: 64, kernel: 3, padding: 1, weightBits: 8, activationBits: 8, outputBits: 8)
        #expect(try !CostModel(profile: profile).cost([big]).weightsResident)
    }

    @Test func refetchWhenNeitherWeightsNorInputFit() throws {
        let profile = try Fixtures.toy()
        // 64 -> 64 3x3 conv on 64x8x8: weights 36864 · 8 = 294912 bits (WB holds 8192);
        // input 32768 bits, output 32768 bits: AB (32768) cannot hold the live 65536, and the
        // input share left after the output is 0, so the input is re-read per weight tile:
        // ⌈294912 / 8192⌉ = 36 passes.
        let layer = LayerWorkload.conv(
            "big", input: input, inputShape: TensorShape(channels: 64, height: 8, width: 8),
            outChannels: 64, kernel: 3, padding: 1, weightBits: 8, activationBits: 8, outputBits: 8)
        let c = try CostModel(profile: profile).cost([layer]).layers[0]
        #expect(!c.fits[0].fits && !c.fits[1].fits)
        #expect(c.inputPasses == 36 && c.weightPasses == 1)
        #expect(c.dramInputBits == 32_768 * 36 && c.dramWeightBits == 294_912)
    }

    @Test func weightsRefetchedWhenInputTilesAreCheaper() throws {
        // The toy profile with separate 2 KiB input and output buffers, the same 64 -> 64 conv:
        // weights 294912 bits (WB 8192: nW = 36), input 32768 bits (IB 16384: nI = 2). Weight
        // tiles outer would move W + I·36 = 1474560 bits, input tiles outer I + W·2 = 622592: the
        // weights are streamed twice and the input read once.
        let buffers =
            "  - {name: IB, size_KiB: 2, word_bits: 32, bandwidth_bits_per_cycle: 32, energy_pJ_per_bit: 0.2, holds: [inputs]}\n"
            + "  - {name: OB, size_KiB: 2, word_bits: 32, bandwidth_bits_per_cycle: 32, energy_pJ_per_bit: 0.2, holds: [outputs]}"
        let yaml = Fixtures.toyYAML.replacingOccurrences(of: "DATAFLOW", with: "systolic-ws")
            .replacingOccurrences(
                of:
                    "  - {name: AB, size_KiB: 4, word_bits: 32, bandwidth_bits_per_cycle: 32, energy_pJ_per_access: 6.4, holds: [inputs, outputs]}",
                with: buffers)
        let profile = try ProfileLoader.parse(yaml: yaml, file: "toy-split.yaml")
        #expect(profile.memories.map(\.name) == ["WB", "IB", "OB"])
        let layer = LayerWorkload.conv(
            "big", input: input, inputShape: TensorShape(channels: 64, height: 8, width: 8),
            outChannels: 64, kernel: 3, padding: 1, weightBits: 8, activationBits: 8, outputBits: 8)
        let c = try CostModel(profile: profile).cost([layer]).layers[0]
        #expect(c.weightPasses == 2 && c.inputPasses == 1)
        #expect(c.dramWeightBits == 294_912 * 2 && c.dramInputBits == 32_768)
    }

    @Test func malformedLayerListsAreRejected() throws {
        let profile = try Fixtures.toy()
        let shape = TensorShape(channels: 8, height: 4, width: 4)
        let a = LayerWorkload.conv(
            "a", input: input, inputShape: shape, outChannels: 8, kernel: 1,
            weightBits: 8, activationBits: 8, outputBits: 8)
        func message(_ layers: [LayerWorkload]) -> String {
            do { _ = try CostModel(profile: profile).cost(layers); return "" } catch { return "\(error)" }
        }
        #expect(message([a, a]) == "network: layer name \"a\" is used twice")
        var orphan = a
        orphan.inputs = ["nowhere"]
        #expect(message([orphan]) == "network: layer \"a\" reads \"nowhere\", which no earlier layer produces")
        var grouped = a
        grouped.groups = 3
        #expect(message([grouped]) == "network: layer \"a\": groups (3) must divide the input and output channels")
        var wrongShape = a
        wrongShape.outputShape = TensorShape(channels: 8, height: 5, width: 4)
        #expect(message([wrongShape]).contains("does not follow from the input"))
        #expect(message([]) == "network: no layers to cost")
    }
}
