import PolybitQuant

extension Trainer {
    /// Writes the run folder's log and checkpoint (each atomically) after an epoch: the log first.
    /// A kill between the two leaves the log one epoch ahead, which a resume trims to the
    /// checkpoint's epochs and rewrites; the other order lost that epoch's line for good (a resume
    /// reads only the checkpoint's epochs from the log; found by tools/kill_test.sh). Rank 0 alone
    /// writes.
    func writeCheckpoint(_ state: TrainingState) throws {
        guard communicator.isRoot else { return }
        try TrainingLog(runDirectory: runDirectory).write(state.records)
        try Checkpoint(
            recipe: recipe, epochsCompleted: state.epochsCompleted, stepsCompleted: state.stepsCompleted,
            model: state.model, optimizer: state.optimizer, average: state.average,
            normalization: state.normalization
        )
        .write(to: checkpointPath)
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
