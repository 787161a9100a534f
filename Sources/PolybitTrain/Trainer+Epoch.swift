import PolybitData
import PolybitNN
import PolybitQuant
import PolybitTensor

extension Trainer {
    /// Trains epoch `epoch` (0-based): each step takes the next batch of every trained precision's
    /// loader (over its coreset in a subset epoch) and makes one update per precision, highest
    /// first, at the scheduled learning rate. Updates the progress line after each step (`lastEpoch`
    /// and `started`, in `Clock` seconds, give the ETA) and returns the epoch's sums over all ranks.
    /// A one-shot recipe makes one sandwich update per step instead (`oneShotStep`). Each rank
    /// trains on its part of every batch, its loss weighted by that part's share of the batch.
    func runEpoch(_ state: TrainingState, epoch: Int, lastEpoch: Int, started: Double) throws -> EpochTotals {
        let oneShot = try oneShotEpoch(state, epoch: epoch)
        let schedule = state.schedule, passes = schedule.passes
        let batches = state.data.loaders.indices.map { k in
            state.data.loaders[k].epoch(epoch, subset: schedule.usesSubsets(epoch) ? state.draw!.subsets[k] : nil)
        }
        let parameters = state.model.parameters, firstUpdate = schedule.firstUpdate(epoch)
        var totals = EpochTotals(passes: passes.count)
        for i in 0..<schedule.steps(epoch) {
            for k in passes.indices {
                totals.learningRate = schedule.learningRate.rate(at: firstUpdate + i * passes.count + k)
                let batch = batches[k].batch(i, sharedBy: communicator)
                let share = Float(batch.count) / Float(batches[k].indices(ofBatch: i).count)
                let r =
                    oneShot.map {
                        oneShotStep(
                            state, on: batch, share: share, update: firstUpdate + i, plan: $0,
                            learningRate: totals.learningRate, parameters: parameters)
                    }
                    ?? trainStep(
                        state, on: batch, share: share, pass: k, learningRate: totals.learningRate,
                        parameters: parameters)
                totals.add(pass: k, loss: r.loss, correct: r.correct, count: batch.count)
            }
            progress.update(
                stepProgress(
                    totals, passes: passes, epoch: epoch, step: i, lastEpoch: lastEpoch,
                    steps: schedule.steps(epoch), started: started))
        }
        totals.combine(over: communicator)
        return totals
    }

    /// One update of trained precision `pass` on `batch` (`share` of the whole batch on this
    /// rank): cross-entropy (plus, with in-place distillation, `recipe.distillation` times the KL
    /// divergence to the highest precision's outputs) weighted by `share`, backward, gradients
    /// summed over the ranks, optimizer step. Returns this rank's loss.
    private func trainStep(
        _ state: TrainingState, on batch: Batch, share: Float, pass k: Int, learningRate: Float,
        parameters: [Parameter]
    ) -> LossResult {
        let passes = state.schedule.passes
        state.optimizer.learningRate = learningRate
        // The teacher's logits first: the student's forward must be the last one before backward.
        let teacher = recipe.distillation > 0 && k > 0 ? teacherLogits(batch.images, passes[0], state) : nil
        state.quant?.set(passes[k])
        let logits = state.model.forward(batch.images, training: true)
        var r = crossEntropy(logits: logits, labels: batch.labels, labelSmoothing: recipe.labelSmoothing)
        if let teacher {
            let kd = distillationKL(student: logits, teacher: teacher)
            r.loss += recipe.distillation * kd.loss
            r.gradient = r.gradient + kd.gradient * recipe.distillation
        }
        state.model.backward(communicator.size > 1 ? r.gradient * share : r.gradient)
        state.gradients.run()
        state.optimizer.step(parameters)
        state.average?.update()
        return r
    }

    /// Logits of the network at `precision` on `images` (training-mode forward, no backward): the
    /// soft targets of in-place distillation.
    private func teacherLogits(_ images: Tensor, _ precision: Precision, _ state: TrainingState) -> Tensor {
        state.quant?.set(precision)
        return state.model.forward(images, training: true)
    }

    /// The progress line after step `step` (0-based) of `steps`: each precision's mean loss, the
    /// highest precision's accuracy, throughput and the time left to the end of `lastEpoch`.
    private func stepProgress(
        _ totals: EpochTotals, passes: [Precision], epoch: Int, step: Int, lastEpoch: Int,
        steps: Int, started: Double
    ) -> String {
        // Rank 0's part of each batch stands for the whole batch.
        let rate = Double(totals.seen * passes.count * communicator.size) / (Clock.seconds() - started)
        let remaining = Double((lastEpoch - epoch) * steps - step - 1) * Double(recipe.batch * passes.count) / rate
        let losses = passes.indices.map { k in
            (passes.count > 1 ? "\(passes[k]) " : "") + fmt(totals.lossSums[k] / Double(totals.seen), 3)
        }.joined(separator: " ")
        return "epoch \(epoch + 1)/\(recipe.epochs) step \(step + 1)/\(steps) loss \(losses) "
            + "acc \(fmt(100 * Double(totals.corrects[0]) / Double(totals.seen), 1))% \(Int(rate)) img/s "
            + "ETA \(ProgressLine.duration(remaining))"
    }
}
