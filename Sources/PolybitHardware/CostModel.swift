import PolybitQuant
import PolybitTensor

/// Costs a layer list on a hardware profile (docs/cost-model.md states every assumption).
///
/// Per layer: the array mapping gives compute cycles (``ArrayMapping``); tensors are placed in the
/// on-chip memory that holds their role; activations stay on chip between layers only in a memory
/// holding both inputs and outputs, and only while the live set fits there at every step the
/// tensor is live; otherwise they go through DRAM. Weights are read from DRAM once per inference
/// (batch 1), unless their memory is `persistent_weights` and the whole network's weights fit
/// there: then they are loaded once, outside the inference. When neither the weights nor an
/// off-chip input fit their buffers, the cheaper loop order is taken: weight tiles outer (input
/// re-read per tile) or input tiles outer (weights re-read per tile). Latency = compute + stall
/// cycles per layer (``BufferStalls``), layers in sequence. A batch of images runs layer by layer:
/// weights are fetched once per batch, activations per image.
public struct CostModel: Sendable {
    public let profile: HardwareProfile

    public init(profile: HardwareProfile) { self.profile = profile }

    /// The cost of `layers` (in execution order) on the profile for `batch` images (≥ 1); every
    /// figure of the result is per batch (``NetworkCost`` also gives them per image).
    /// - Throws: `InputError` when a precision is wider than the array supports, the layer
    ///   list is malformed (repeated names, inputs from no earlier layer) or `batch` < 1.
    public func cost(_ layers: [LayerWorkload], batch: Int = 1) throws -> NetworkCost {
        guard batch >= 1 else { throw InputError("--batch: expected a positive integer, found \(batch)") }
        let array = profile.compute
        let storedWidth = { (bits: Int) in array.activationBits.first(where: { $0 >= bits }) ?? bits }
        let tensors = try ActivationTensors(layers, storedWidth: storedWidth)
        let liveModel = tensors.liveBits(steps: layers.count, sizes: tensors.modelBits).map { $0 * batch }
        let liveStored = tensors.liveBits(steps: layers.count, sizes: tensors.storedBits).map { $0 * batch }
        let unified = profile.memories.firstIndex { $0.holds.contains(.inputs) && $0.holds.contains(.outputs) }

        var precisions: [ExecutionPrecision?] = []
        var weightDemand: [Int] = []
        for layer in layers {
            let ep =
                layer.usesArray
                ? try ExecutionPrecision(
                    layer.precision,
                    on: array, profileName: profile.name)
                : nil
            precisions.append(ep)
            weightDemand.append(layer.params * (ep?.run.weightOperandBits ?? 0))
        }

        // Weights stay on chip between inferences when their level is marked persistent and all
        // of them fit (beside the peak live activations if the level holds those too).
        let weightsResident =
            profile.memories.first { $0.holds.contains(.weights) }.map { level in
                let shared = level.holds.contains(.inputs) || level.holds.contains(.outputs)
                return level.persistentWeights
                    && weightDemand.reduce(0, +) + (shared ? (liveStored.max() ?? 0) : 0) <= level.sizeBits
            } ?? false

        // Activation residency: a step keeps activations on chip when the live set fits the
        // activation share of the unified memory; a tensor stays on chip when every step it is
        // live does.
        let shares = layers.indices.map { step in
            allocation(weights: weightDemand[step], activations: liveStored[step], inputs: 0, outputs: 0)
        }
        let resident = layers.indices.map { step in
            unified.map { liveStored[step] <= shares[step].activationCapacity[$0] } ?? false
        }
        let onChip = tensors.names.indices.map { t in
            let p = tensors.producer[t]
            guard p >= 0, tensors.lastUse[t] > p else { return false }
            return (p...tensors.lastUse[t]).allSatisfy { resident[$0] }
        }

        var costs: [LayerCost] = []
        for (step, layer) in layers.enumerated() {
            let inputIDs = layer.inputs.map { tensors.index[$0]! }
            let outputID = tensors.index[layer.name]!
            let inputStored = inputIDs.reduce(0) { $0 + tensors.storedBits[$1] } * batch
            let outputStored = tensors.storedBits[outputID] * batch
            let offChip = inputIDs.filter { !onChip[$0] }.reduce(0) { $0 + tensors.storedBits[$1] } * batch
            costs.append(
                layerCost(
                    layer, precision: precisions[step], batch: batch, inputBits: inputStored,
                    outputBits: outputStored, liveModel: liveModel[step], liveStored: liveStored[step],
                    inputOnChip: inputIDs.allSatisfy { onChip[$0] }, outputOnChip: onChip[outputID],
                    offChipInputBits: offChip, weightsResident: weightsResident))
        }
        return NetworkCost(profile: profile, layers: costs, weightsResident: weightsResident, batch: batch)
    }

    /// Capacity each memory grants to weights and to activations at one step.
    private struct Allocation {
        var weightCapacity: [Int]
        var activationCapacity: [Int]
    }

    /// Each memory gives every group it holds (weights; activations) its whole size when the
    /// demands fit together, and half each otherwise. `activations` is the demand of a memory
    /// holding inputs and outputs; `inputs`/`outputs` that of a memory holding only one of them.
    private func allocation(weights: Int, activations: Int, inputs: Int, outputs: Int) -> Allocation {
        var w: [Int] = [], a: [Int] = []
        for level in profile.memories {
            let holdsW = level.holds.contains(.weights)
            let holdsA = level.holds.contains(.inputs) || level.holds.contains(.outputs)
            let actDemand =
                level.holds.isSuperset(of: [.inputs, .outputs])
                ? activations
                : (level.holds.contains(.inputs) ? inputs : outputs)
            let split = holdsW && holdsA && weights + actDemand > level.sizeBits
            let share = split ? level.sizeBits / 2 : level.sizeBits
            w.append(holdsW ? share : 0)
            a.append(holdsA ? share : 0)
        }
        return Allocation(weightCapacity: w, activationCapacity: a)
    }

    /// Where a layer's tensors live: the first memory holding each role (nil: none on chip).
    private struct Levels {
        var weights: Int?, inputs: Int?, outputs: Int?
    }

    /// One layer's cost: the array mapping, what fits, reads by the array, DRAM traffic with the
    /// tiling rule, on-chip traffic, time and energy.
    private func layerCost(
        _ layer: LayerWorkload, precision ep: ExecutionPrecision?, batch: Int, inputBits: Int,
        outputBits: Int, liveModel: Int, liveStored: Int, inputOnChip: Bool,
        outputOnChip: Bool, offChipInputBits: Int, weightsResident: Bool
    ) -> LayerCost {
        let mems = profile.memories
        let weightStored = layer.params * (ep?.run.weightOperandBits ?? 0)
        let mapping = ArrayMapping(layer, on: profile.compute, at: ep, batch: batch)
        let alloc = allocation(
            weights: weightStored, activations: liveStored,
            inputs: inputBits, outputs: outputBits)
        let level = { (role: TensorRole) in mems.firstIndex { $0.holds.contains(role) } }
        let levels = Levels(weights: level(.weights), inputs: level(.inputs), outputs: level(.outputs))
        let reads =
            ep.map {
                profile.compute.dataflow.model.arrayReads(
                    layer, on: profile.compute, at: $0, schedule: mapping.schedule, batch: batch,
                    weightBits: weightStored, inputBits: inputBits)
            } ?? ArrayReads(weights: 0, inputs: inputBits, partialSums: 0)
        var passes = (weights: 1, inputs: 1)
        if let ep, weightStored > 0, !inputOnChip, !weightsResident {
            passes = dramPasses(
                ep, weightStored: weightStored, offChipInputBits: offChipInputBits,
                outputBits: outputBits, alloc: alloc, levels: levels)
        }
        // Without an on-chip level for weights, the array's weight reads go to DRAM.
        let dramW = weightsResident ? 0 : (levels.weights == nil ? reads.weights : weightStored) * passes.weights
        let dramI =
            fetchedInputBits(
                layer, offChipInputBits: offChipInputBits, colFolds: mapping.colFolds,
                capacity: levels.inputs.map { alloc.activationCapacity[$0] }) * passes.inputs
        let dramO = outputOnChip ? 0 : outputBits

        // On-chip traffic: fills from DRAM, reads by the array, writes of outputs and partial sums.
        var levelBits = [Int](repeating: 0, count: mems.count)
        if let w = levels.weights { levelBits[w] += dramW + reads.weights * passes.weights + reads.registerFile }
        if let i = levels.inputs { levelBits[i] += dramI + reads.inputs }
        if let o = levels.outputs { levelBits[o] += outputBits + reads.partialSums + dramO }

        // Time: compute plus the cycles the buffers stall it.
        let dramBPC = profile.dram.bitsPerCycle(clockMHz: profile.clockMHz)
        let levelCycles = mems.indices.map { Double(levelBits[$0]) / mems[$0].bandwidthBitsPerCycle }
        let dramCycles =
            Double(profile.dram.ports == .shared ? dramW + dramI + dramO : max(dramW, dramI, dramO)) / dramBPC
        let memoryCycles = max(dramCycles, levelCycles.max() ?? 0)
        let stalls = BufferStalls(
            computeCycles: mapping.cycles,
            dram: dramTransfers(
                layer, mapping: mapping, levels: levels, alloc: alloc, bits: (dramW, dramI, dramO)),
            levelCycles: levelCycles,
            outputStageCycles: profile.compute.outputStage.map {
                Double(outputStageOutputs(layer, batch)) / $0.outputsPerCycle
            }
                ?? 0)
        let latencyCycles = Double(mapping.cycles) + stalls.stallCycles
        let seconds = latencyCycles / (profile.clockMHz * 1e6)

        let fits = fits(
            weightStored: weightStored, liveStored: liveStored, inputBits: inputBits,
            outputBits: outputBits, alloc: alloc)
        return LayerCost(
            workload: layer, macs: layer.macs * batch, bitOps: layer.bitOps * batch, requested: layer.precision,
            run: ep?.run, weightBits: layer.params * layer.weightBits, weightStoredBits: weightStored,
            inputBits: inputBits, outputBits: outputBits, liveActivationBits: liveModel,
            liveActivationStoredBits: liveStored, fits: fits, inputOnChip: inputOnChip,
            outputOnChip: outputOnChip, dramWeightBits: dramW, dramInputBits: dramI, dramOutputBits: dramO,
            weightPasses: passes.weights, inputPasses: passes.inputs, levelBits: levelBits, mapping: mapping,
            memoryCycles: memoryCycles, stalls: stalls, latencyCycles: latencyCycles, latencySeconds: seconds,
            energy: energy(
                layer, precision: ep, batch: batch, levelBits: levelBits, dramBits: dramW + dramI + dramO,
                seconds: seconds),
            note: ep?.note)
    }

    /// Per memory and tensor role it holds: the tensor's stored size against the capacity it is
    /// granted (for a memory holding inputs and outputs, the whole live set as its input).
    private func fits(
        weightStored: Int, liveStored: Int, inputBits: Int, outputBits: Int,
        alloc: Allocation
    ) -> [TensorFit] {
        var fits: [TensorFit] = []
        for (i, m) in profile.memories.enumerated() {
            if m.holds.contains(.weights) && weightStored > 0 {
                fits.append(
                    TensorFit(
                        level: m.name, role: .weights, bits: weightStored,
                        capacityBits: alloc.weightCapacity[i]))
            }
            if m.holds.contains(.inputs) {
                let both = m.holds.contains(.outputs)
                fits.append(
                    TensorFit(
                        level: m.name, role: .inputs, bits: both ? liveStored : inputBits,
                        capacityBits: alloc.activationCapacity[i]))
            }
            if m.holds.contains(.outputs) && !m.holds.contains(.inputs) {
                fits.append(
                    TensorFit(
                        level: m.name, role: .outputs, bits: outputBits,
                        capacityBits: alloc.activationCapacity[i]))
            }
        }
        return fits
    }

    /// The tiling rule for a layer whose weights and off-chip input both exceed their buffers:
    /// weight tiles outer (input re-read per tile, W + I·nW) or input tiles outer (weights re-read
    /// per tile, I + W·nI), whichever moves fewer bits; one pass each when either fits.
    private func dramPasses(
        _ ep: ExecutionPrecision, weightStored: Int, offChipInputBits: Int, outputBits: Int,
        alloc: Allocation, levels: Levels
    ) -> (weights: Int, inputs: Int) {
        let array = profile.compute
        let registers = array.rows * array.cols * array.pixels * ep.macsPerUnit * ep.run.weightOperandBits
        let capW = max(levels.weights.map { alloc.weightCapacity[$0] } ?? 0, registers)
        var capI = levels.inputs.map { alloc.activationCapacity[$0] } ?? 0
        if let i = levels.inputs, profile.memories[i].holds.contains(.outputs) { capI = max(capI - outputBits, 0) }
        guard weightStored > capW && offChipInputBits > capI else { return (1, 1) }
        let nW = (weightStored + capW - 1) / capW
        guard capI > 0 else { return (1, nW) }
        let nI = (offChipInputBits + capI - 1) / capI
        return weightStored * nI + offChipInputBits < weightStored + offChipInputBits * nW ? (nI, 1) : (1, nW)
    }

    /// DRAM bits of a layer's off-chip input: the tensor, or with `dram.input_fetch: im2col` a
    /// convolution's im2col matrix (groups·K·N values per image instead of C·H·W), fetched again
    /// for every column fold (the systolic arrays sweep it once per fold of output channels) when
    /// it does not fit the input buffer (`capacity`; half of it with `dram.tiles: half-buffer`).
    private func fetchedInputBits(_ layer: LayerWorkload, offChipInputBits: Int, colFolds: Int, capacity: Int?) -> Int {
        guard profile.dram.inputFetch == .im2col, layer.kind == .conv, offChipInputBits > 0 else {
            return offChipInputBits
        }
        let (k, _, n) = layer.gemmShape
        let im2col = offChipInputBits / layer.inputShape.elements * layer.groups * k * n
        let buffer = (capacity ?? 0) / (profile.dram.tiles == .halfBuffer ? 2 : 1)
        return im2col > buffer ? im2col * colFolds : im2col
    }

    /// The layer's DRAM traffic split into the fill before compute, the steady state and the drain
    /// after it (`dram.tiles`): the first fold's shares, or half of each buffer (MAC layers only;
    /// add and pool layers stream), on a shared interface or one port per operand (`dram.ports`).
    private func dramTransfers(
        _ layer: LayerWorkload, mapping: ArrayMapping, levels: Levels, alloc: Allocation,
        bits: (weights: Int, inputs: Int, outputs: Int)
    ) -> DRAMTransfers {
        let schedule = mapping.schedule
        let (w, i, o) = (Double(bits.weights), Double(bits.inputs), Double(bits.outputs))
        var edges = (weights: w * schedule.firstFoldWeightShare, inputs: i * schedule.firstFoldInputShare, outputs: 0.0)
        if profile.dram.tiles == .halfBuffer && layer.usesArray {
            let half = { (capacity: [Int], level: Int?) in level.map { Double(capacity[$0]) / 2 } }
            edges = (
                half(alloc.weightCapacity, levels.weights) ?? edges.weights,
                half(alloc.activationCapacity, levels.inputs) ?? edges.inputs,
                half(alloc.activationCapacity, levels.outputs) ?? 0
            )
        }
        return DRAMTransfers(
            weights: .init(total: w, edge: edges.weights), inputs: .init(total: i, edge: edges.inputs),
            outputs: .init(total: o, edge: edges.outputs),
            bitsPerCycle: profile.dram.bitsPerCycle(clockMHz: profile.clockMHz), ports: profile.dram.ports,
            tiles: profile.dram.tiles, computeCycles: mapping.cycles)
    }

    /// Energy split: MACs at the run widths, elementwise adds and the output stage, each memory's
    /// bits, DRAM bits, and leakage over the layer's latency.
    private func energy(
        _ layer: LayerWorkload, precision ep: ExecutionPrecision?, batch: Int, levelBits: [Int], dramBits: Int,
        seconds: Double
    ) -> EnergySplit {
        let mems = profile.memories
        let elementwise =
            layer.specialFunction.map { $0.energyPJ(elements: layer.elementwiseOps * batch, on: profile.compute) }
            ?? Double(layer.elementwiseOps * batch) * profile.compute.addEnergyPJ
        let outputStage =
            Double(outputStageOutputs(layer, batch)) * (profile.compute.outputStage?.energyPJPerOutput ?? 0)
        return EnergySplit(
            computePJ: Double(layer.macs * batch) * (ep?.macEnergyPJ ?? 0) + elementwise + outputStage,
            memoryPJ: mems.indices.map { Double(levelBits[$0]) * mems[$0].energyPJPerBit },
            dramPJ: Double(dramBits) * profile.dram.energyPJPerBit,
            leakagePJ: profile.leakageMW * 1e-3 * seconds * 1e12)
    }

    /// Outputs the output stage processes for `layer` over the batch: every output element of a
    /// conv or linear layer (bias, requantization, activation), none for other layers.
    private func outputStageOutputs(_ layer: LayerWorkload, _ batch: Int) -> Int {
        layer.usesArray ? layer.outputShape.elements * batch : 0
    }
}
