import PolybitQuant

extension Trainer {
    /// The record of epoch `epoch` (0-based): `totals` of its training, `seconds` it took, and the
    /// test split evaluated at every deployed precision (the float model for a float run); the
    /// headline test figures are those of the highest trained precision.
    func evaluate(_ state: TrainingState, epoch: Int, totals: EpochTotals, seconds: Double) -> EpochRecord {
        let passes = state.schedule.passes, test = state.data.test
        var byPrecision: [String: Double]?
        let eval: EvaluationResult
        if let quant = state.quant, let trained = state.trained {
            let results = Evaluator.evaluate(
                quant, at: state.deployed.precisionsHighestFirst, trained: trained.bits,
                on: test)
            byPrecision = Dictionary(uniqueKeysWithValues: results.map { ($0.0.description, $0.1.accuracy) })
            eval = results.first { $0.0 == passes[0] }?.1 ?? results[0].1
        } else {
            eval = Evaluator.evaluate(state.model, on: test)
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
}
