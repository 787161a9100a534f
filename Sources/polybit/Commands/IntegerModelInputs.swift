import ArgumentParser
import PolybitSim

/// What `simulate` and `trace` run: an integer model file (`--model`) and the images to feed it
/// (`--inputs` or `--dataset`).
struct IntegerModelInputs: ParsableArguments {
    @Option(help: "Integer model (HDF5, docs/integer-model.md).")
    var model: String

    @OptionGroup var source: InputSource

    /// The model at `--model`; throws naming the file.
    func readModel() throws -> IntegerModel { try IntegerModel.read(path: model) }
}
