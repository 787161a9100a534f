import PolybitQuant

extension Trainer {
    /// The record of epoch `epoch` (0-based): `totals` of its training, `seconds` it took, and the
    /// test split evaluated at every deployed precision (the float model for a float run); the
    /// headline test figures are those of the highest trained precision. Each rank evaluates its
    /// part of the test split; the figures are those of the whole split.
    func evaluate(_ state: TrainingState, epoch: Int, totals: EpochTotals, seconds: Double) -> EpochRecord {
        let passes = state.schedule.passes
        let whole = state.data.test
        let test = communicator.size > 1 ? whole.slice(communicator.share(of: whole.count)) : whole
        var byPrecision: [String: Double]?
        let eval: EvaluationResult
        if let quant = state.quant, let trained = state.trained {
            let results = combined(
                Evaluator.evaluate(
                    quant, at: state.deployed.precisionsHighestFirst, trained: trained.bits,
                    on: test))
            byPrecision = Dictionary(uniqueKeysWithValues: results.map { ($0.0.description, $0.1.accuracy) })
            eval = results.first { $0.0 == passes[0] }?.1 ?? results[0].1
        } else {
            eval = combined([(Precision.float, Evaluator.evaluate(state.model, on: test))])[0].1
        }
        let updates = totals.seen * passes.count
        return EpochRecord(
            epoch: epoch + 1, train_loss: totals.meanLoss, train_accuracy: totals.accuracy,
            test_loss: eval.loss, test_accuracy: eval.accuracy, learning_rate: Double(totals.learningRate),
            seconds: seconds, images_per_s: Double(updates) / seconds,
            test_accuracy_by_precision: byPrecision,
            train_loss_by_precision: passes.count > 1 || state.quant != nil
                ? Dictionary(
                    uniqueKeysWithValues: passes.indices.map { (passes[$0].description, totals.meanLoss(pass: $0)) })
                : nil)
    }

    /// The results over every rank's part of the test split, from this rank's `results`.
    private func combined(_ results: [(Precision, EvaluationResult)]) -> [(Precision, EvaluationResult)] {
        guard communicator.size > 1 else { return results }
        var sums = results.flatMap { r in
            [(r.1.accuracy * Double(r.1.images)).rounded(), r.1.loss * Double(r.1.images), Double(r.1.images)]
        }
        communicator.sum(&sums)
        return results.indices.map { i in
            let images = sums[3 * i + 2]
            return (
                results[i].0,
                EvaluationResult(
                    accuracy: sums[3 * i] / images, loss: sums[3 * i + 1] / images, images: Int(images))
            )
        }
    }
}
