import PolybitQuant

extension Trainer {
    /// Writes the run folder's checkpoint (atomically) and log after an epoch: the checkpoint first,
    /// so a log never runs ahead of the weights a resume reads.
    func writeCheckpoint(_ state: TrainingState) throws {
        try Checkpoint(
            recipe: recipe, epochsCompleted: state.epochsCompleted, stepsCompleted: state.stepsCompleted,
            model: state.model, optimizer: state.optimizer, normalization: state.normalization
        )
        .write(to: checkpointPath)
        try TrainingLog(runDirectory: runDirectory).write(state.records)
    }

    /// Prints the summary line of an epoch: training loss, test accuracy (at each of `deployed`'s
    /// precisions in a multi-bit run), duration and throughput.
    func report(_ record: EpochRecord, deployed: BitWidthSet) {
        let perBits =
            record.test_accuracy_by_precision.map { b in
                ", test "
                    + deployed.precisionsHighestFirst.map { "\($0) \(fmt(100 * (b[$0.description] ?? 0), 2))" }
                    .joined(separator: " ")
            } ?? ", test acc \(fmt(100 * record.test_accuracy, 2))%"
        progress.finish(
            "epoch \(record.epoch)/\(recipe.epochs): train loss \(fmt(record.train_loss, 4))\(perBits) "
                + "(\(fmt(record.seconds, 1)) s, \(Int(record.images_per_s)) img/s)")
    }
}
