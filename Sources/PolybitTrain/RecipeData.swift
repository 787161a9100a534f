import PolybitData

extension TrainingRecipe {
    /// The recipe's images: `dataset` from `dataDir` (nil: the recipe's), its held-out validation
    /// split of `validation` images, then (when `limited`) the first `limit` training and test
    /// images. Throws `BadInput` as `DatasetCatalog.load` does.
    public func loadSplits(dataDir: String? = nil, limited: Bool = true) throws -> DatasetSplits {
        try DatasetCatalog.load(
            name: dataset, dataDir: dataDir ?? self.dataDir, validation: validation,
            limit: limited ? limit : nil)
    }

    /// The recipe with `validation` as the number of images `splits` holds out (`.auto` resolved to
    /// the dataset's default), as a training run records it.
    public func recordingValidation(of splits: DatasetSplits) -> TrainingRecipe {
        var r = self
        r.validation = .images(splits.validation?.count ?? 0)
        return r
    }
}
