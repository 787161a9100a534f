import PolybitData

/// The normalized splits of a run and its seeded training loaders.
struct TrainingData {
    let train: Dataset
    let test: Dataset
    /// One loader per trained precision, in training order (`RandomStream.dataOrder`).
    let loaders: [BatchLoader]
    /// Random training batches for the BatchNorm refresh after a subset epoch
    /// (`RandomStream.statisticsRefresh`).
    let statisticsLoader: BatchLoader

    /// `splits` normalized by `normalization`, with loaders for `passes` trained precisions.
    init(recipe: TrainingRecipe, splits: DatasetSplits, normalization: ChannelNormalization, passes: Int) {
        let train = normalization.apply(to: splits.train)
        self.train = train
        test = normalization.apply(to: splits.test)
        func loader(_ stream: RandomStream) -> BatchLoader {
            BatchLoader(
                dataset: train, batchSize: recipe.batch, shuffle: true,
                augmentation: Augmentation(padding: recipe.cropPadding, flip: recipe.flip),
                dropLast: train.count >= recipe.batch, seed: stream.seed(recipe.seed))
        }
        loaders = (0..<passes).map { loader(.dataOrder(pass: $0)) }
        statisticsLoader = loader(.statisticsRefresh)
    }
}
