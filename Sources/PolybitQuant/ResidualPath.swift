/// How a ResNet carries its residual stream (the block inputs and outputs, the pre-add sums).
///
/// - `float`: as the source papers' code: only conv inputs are quantized; the identity shortcut,
///   the pre-add tensors and the block outputs stay float in training, so an integer export must
///   carry them on wide calibrated grids (`ExportOptions.residualBits`).
/// - `activation`: the stream is quantized at the activation width of the layer that reads it: a
///   block's input quantizer feeds conv1, the projection and the identity shortcut; the pre-add
///   tensors (`<block>.residual`, `<block>.shortcut`) and the last block's output (`pool.input`)
///   have quantizers of their own. The integer model is the trained model.
/// - `bits(R)`: the stream (stem and block outputs, pre-add tensors) at max(R, reader's activation
///   width) bits; conv inputs are requantized from it to their own width.
public enum ResidualPath: Sendable, Hashable, CustomStringConvertible {
    case float
    case activation
    case bits(Int)

    /// Widths a `bits(R)` stream may take.
    public static let streamBits = 2...16

    /// Parses `float`, `activation` or a width in `streamBits`; nil otherwise.
    public init?(_ text: String) {
        switch text.lowercased() {
        case "float": self = .float
        case "activation": self = .activation
        default:
            guard let r = Int(text), Self.streamBits.contains(r) else { return nil }
            self = .bits(r)
        }
    }

    /// `float`, `activation` or the width.
    public var description: String {
        switch self {
        case .float: "float"
        case .activation: "activation"
        case .bits(let r): "\(r)"
        }
    }

    /// Bits of a stream tensor whose reader quantizes its input to `readerBits` (nil for `float`,
    /// whose stream is not quantized in training).
    public func streamBits(readerBits: Int) -> Int? {
        switch self {
        case .float: nil
        case .activation: readerBits
        case .bits(let r): max(r, readerBits)
        }
    }
}
