import ArgumentParser
import PolybitData
import PolybitSim
import PolybitTensor

/// Where `simulate` and `trace` take their images from: an HDF5 file or a dataset's test split.
struct InputSource: ParsableArguments {
    @Option(help: "Input images (HDF5: /images [N, C, H, W], optional /labels [N]; docs/integer-model.md).")
    var inputs: String?

    @Option(
        help:
            "Dataset whose test split to use instead of --inputs (fashion-mnist, mnist, cifar10, cifar100, synthetic, hdf5)."
    )
    var dataset: String?

    @Option(help: "Where the dataset's files are.")
    var dataDir: String?

    /// What the images are called in messages.
    var name: String { inputs ?? dataset ?? "" }

    /// The first `limit` images (all when nil), quantized to `model`'s input.
    func load(for model: IntegerModel, limit: Int?) throws -> InputSet {
        guard (dataset == nil) != (inputs == nil) else {
            throw InputError("give exactly one of --inputs (an HDF5 file with /images) and --dataset")
        }
        if let dataset {
            let test = try DatasetCatalog.load(name: dataset, dataDir: dataDir, limit: limit).test
            return try InputSet(dataset: test, model: model, limit: limit)
        }
        return try InputSet.read(path: inputs!, model: model, limit: limit)
    }
}
