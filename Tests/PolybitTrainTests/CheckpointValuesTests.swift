import Foundation
import PolybitData
import PolybitTensor
import PolybitTrain
import Testing

/// A checkpoint's stored numbers are checked when it is read; each error names the field.
@Suite struct CheckpointValuesTests {
    /// The error reading a checkpoint with `weight`, `mean`, `std` and `epochs` gives, or nil.
    func readError(weight: [Float] = [1, 2], mean: [Float] = [0.5], std: [Float] = [0.25], epochs: Int = 1) throws
        -> String?
    {
        let path = NSTemporaryDirectory() + "polybit-ckpt-" + UUID().uuidString + ".h5"
        defer { unlink(path) }
        // Set after init: a mean/std count mismatch is what a corrupt file holds, and the
        // initializer's precondition (on in the checked build) refuses to make one.
        var normalization = ChannelNormalization(mean: [0.5], std: [0.25])
        normalization.mean = mean; normalization.std = std
        try Checkpoint(
            recipe: TrainingRecipe(), epochsCompleted: epochs, stepsCompleted: 3,
            parameters: ["fc.weight": Tensor(shape: [weight.count], storage: weight)],
            optimizerState: ["fc.weight.momentum": Tensor(shape: [1], storage: [0])],
            normalization: normalization
        ).write(to: path)
        do {
            _ = try Checkpoint.read(from: path)
            return nil
        } catch {
            return "\(error)".replacingOccurrences(of: path + ": ", with: "")
        }
    }

    @Test func validValuesRead() throws {
        #expect(try readError() == nil)
    }

    @Test func nonFiniteParametersAreNamed() throws {
        #expect(try readError(weight: [1, .nan]) == "parameters/fc.weight: value nan at flat index 1 is not finite")
        #expect(try readError(weight: [-.infinity]) == "parameters/fc.weight: value -inf at flat index 0 is not finite")
    }

    @Test func normalizationIsChecked() throws {
        #expect(try readError(std: [0]) == "normalization/std: value 0.0 at index 0; expected a finite value > 0")
        #expect(try readError(mean: [.nan]) == "normalization/mean: value nan at index 0 is not finite")
        #expect(
            try readError(mean: [0.5, 0.5])
                == "normalization/mean has 2 values and normalization/std 1; expected one per input channel")
    }

    @Test func negativeCountersAreRefused() throws {
        #expect(try readError(epochs: -2) == "epochs_completed is -2; expected 0 or more")
    }
}
