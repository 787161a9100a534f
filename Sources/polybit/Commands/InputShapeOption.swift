import ArgumentParser
import PolybitHardware
import PolybitTensor

/// `--input CxHxW`: the image shape of the synthetic or analytic network that `cost`, `bench sim`
/// and `bench train` build.
struct InputShapeOption: ParsableArguments {
    @Option(help: "Input shape CxHxW (1x28x28 Fashion-MNIST, 3x32x32 CIFAR).")
    var input: String = "1x28x28"

    /// The parsed `--input`; throws `InputError` naming the flag.
    func shape() throws -> TensorShape { try Self.parse(input) }

    /// `CxHxW` (case-insensitive `x`) with positive integers.
    static func parse(_ text: String) throws -> TensorShape {
        let parts = text.lowercased().split(separator: "x").map { Int($0) }
        guard parts.count == 3, let c = parts[0], let h = parts[1], let w = parts[2], c > 0, h > 0, w > 0 else {
            throw InputError("--input: expected CxHxW with positive integers, e.g. 1x28x28, found \"\(text)\"")
        }
        return TensorShape(channels: c, height: h, width: w)
    }
}
