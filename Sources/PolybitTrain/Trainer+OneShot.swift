import Foundation
import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor

/// One epoch's plan of one-shot training: the sampler with the scheduler's candidates, and HASB's
/// traces and σ.
struct OneShotEpoch {
    var sampler: BitWidthSampler
    /// HASB: each weight unit's Hessian trace (nil: uniform sampling).
    var traces: [Double]?
    /// HASB's σ of this epoch.
    var sigma: Double

    /// The policy of one random subnet.
    func draw(_ rng: inout SeededRNG) -> PrecisionPolicy {
        traces.map { sampler.hasbDraw(traces: $0, sigma: sigma, &rng) } ?? sampler.uniformDraw(&rng)
    }
}

/// A decision of the bit-width scheduler: the layers that train without their lowest weight
/// candidate from `epoch` (0-based) to the next decision. A run folder's `bit-scheduler.json`
/// lists them, so a resumed run continues with the decisions of the interrupted one.
struct SchedulerDecision: Codable, Equatable {
    var epoch: Int
    var layers: [String]
}

extension Trainer {
    /// The file of the run's scheduler decisions.
    var schedulerPath: String { runDirectory + "/bit-scheduler.json" }

    /// The one-shot plan of `epoch` (0-based), or nil when the recipe is not one-shot. HASB
    /// estimates the Hessian traces on the first `hasbImages` training images now, from the
    /// current weights (stream `RandomStream.hessianProbes` at the epoch).
    func oneShotEpoch(_ state: TrainingState, epoch: Int) throws -> OneShotEpoch? {
        guard recipe.oneShot, let quant = state.quant, let trained = state.trained else { return nil }
        var sampler = BitWidthSampler(network: quant, widths: trained.bits)
        if recipe.bitScheduler {
            let removed = try schedulerDecision(quant, sampler: sampler, epoch: epoch)
            sampler.weightCandidates = BitWidthScheduler.candidates(
                full: sampler.activationCandidates, layers: sampler.weightUnits.count,
                removed: Set(removed.compactMap { sampler.weightUnits.firstIndex(of: $0) }))
        }
        var traces: [Double]?
        if recipe.bitSampling == .hasb {
            progress.update("epoch \(epoch + 1)/\(recipe.epochs): Hessian traces")
            var rng = RandomStream.hessianProbes.generator(seed: recipe.seed, update: epoch)
            traces = LayerHessianTraces.estimate(
                network: quant, layers: sampler.weightUnits, images: state.data.train.prefix(recipe.hasbImages),
                batch: recipe.batch, rng: &rng)
        }
        let sigma = BitWidthSampler.hasbSigma(Double(recipe.hasbSigma), epoch: epoch, epochs: recipe.epochs)
        return OneShotEpoch(sampler: sampler, traces: traces, sigma: sigma)
    }

    /// The layers without their lowest candidate in `epoch`: at a scheduled epoch, the most unstable
    /// layers of the current weights (stored in `schedulerPath`, replacing any later decisions of
    /// an interrupted run); otherwise those of the latest stored decision.
    private func schedulerDecision(_ quant: QuantizedNetwork, sampler: BitWidthSampler, epoch: Int) throws -> [String] {
        let earlier = try storedDecisions().filter { $0.epoch < epoch }
        guard BitWidthScheduler.runs(at: epoch, epochs: recipe.epochs) else { return earlier.last?.layers ?? [] }
        let instabilities = sampler.weightUnits.map { name in
            let l = quant.layers.first { $0.name == name }!, w = l.layer.weight.value
            let steps = sampler.activationCandidates.map { ($0, l.weights.integerForm(w, bits: $0).step) }
            return BitWidthScheduler.instability(w.storage, steps: Dictionary(uniqueKeysWithValues: steps))
        }
        let share = BitWidthScheduler.dropShare(epoch: epoch, epochs: recipe.epochs)
        let layers = BitWidthScheduler.unstableLayers(instabilities, share: share).map { sampler.weightUnits[$0] }
        guard communicator.isRoot else { return layers }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(earlier + [SchedulerDecision(epoch: epoch, layers: layers)])
            .write(to: URL(fileURLWithPath: schedulerPath), options: .atomic)
        return layers
    }

    /// The decisions in `schedulerPath` (none when the file does not exist); an `InputError`
    /// naming the file when it does not hold them.
    private func storedDecisions() throws -> [SchedulerDecision] {
        guard FileManager.default.fileExists(atPath: schedulerPath) else { return [] }
        do {
            return try JSONDecoder().decode(
                [SchedulerDecision].self, from: Data(contentsOf: URL(fileURLWithPath: schedulerPath)))
        } catch {
            throw InputError("\(schedulerPath): not a list of bit-scheduler decisions (\(error.localizedDescription))")
        }
    }

    /// One one-shot update on `batch` (the sandwich rule): the max subnet (every layer at the
    /// highest candidate) with cross-entropy, its logits kept as the teacher; then `recipe.subnets`
    /// random subnets drawn by `plan` from stream `RandomStream.bitSampling` at `update`, each with
    /// cross-entropy plus `recipe.distillation` times the KL divergence to the teacher (and, with
    /// `fairnessRegularization`, `FairnessRegularization` for its 2-bit layers; with `idm`,
    /// `InformationDistortionMitigation` at its layers at their lowest weight width). The
    /// gradients add up to one optimizer step. The batch-averaged losses are weighted by `share`,
    /// this rank's part of the batch, and the weight regularizer is added by rank 0 alone, so the
    /// ranks' gradients sum to the whole batch's. Returns the max subnet's loss on this rank.
    func oneShotStep(
        _ state: TrainingState, on batch: Batch, share: Float, update: Int, plan: OneShotEpoch,
        learningRate: Float, parameters: [Parameter]
    ) -> LossResult {
        state.optimizer.learningRate = learningRate
        let distributed = communicator.size > 1
        var idm =
            recipe.idm > 0
            ? InformationDistortionMitigation(
                weight: recipe.idm * share, model: state.model, layers: plan.sampler.weightUnits) : nil
        let lowest = Dictionary(
            uniqueKeysWithValues: zip(plan.sampler.weightUnits, plan.sampler.weightCandidates.map { $0[0] }))
        idm?.startStep()
        state.quant!.set(Precision.uniform(plan.sampler.highest))
        let teacher = state.model.forward(batch.images, training: true)
        idm?.recordTeacher()
        let top = crossEntropy(logits: teacher, labels: batch.labels, labelSmoothing: recipe.labelSmoothing)
        state.model.backward(distributed ? top.gradient * share : top.gradient)
        var rng = RandomStream.bitSampling.generator(seed: recipe.seed, update: update)
        defer { idm?.finishStep() }
        for _ in 0..<recipe.subnets {
            let policy = plan.draw(&rng)
            state.quant!.set(policy)
            let logits = state.model.forward(batch.images, training: true)
            idm?.attach(policy: policy, lowest: lowest)
            var r = crossEntropy(logits: logits, labels: batch.labels, labelSmoothing: recipe.labelSmoothing)
            if recipe.distillation > 0 {
                r.gradient =
                    r.gradient + distillationKL(student: logits, teacher: teacher).gradient * recipe.distillation
            }
            state.model.backward(distributed ? r.gradient * share : r.gradient)
            if recipe.fairnessRegularization && communicator.isRoot {
                FairnessRegularization.apply(state.quant!, policy: policy, weightDecay: recipe.weightDecay)
            }
        }
        if recipe.quantizationError > 0 && communicator.isRoot {
            let weight = QuantizationErrorLoss.weight(
                recipe.quantizationError, update: update, total: state.schedule.firstUpdate(recipe.epochs))
            if weight > 0 { QuantizationErrorLoss.apply(state.quant!, lowest: lowest, weight: weight) }
        }
        state.gradients.run()
        state.optimizer.step(parameters)
        state.average?.update()
        return top
    }
}
