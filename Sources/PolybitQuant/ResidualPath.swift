/// How a quantized ResNet carries its residual stream: the block inputs, the two terms of each
/// block's add and the block outputs. Spelled `float`, `activation` or a bit count (`8`) in a
/// recipe's JSON and on the command line. A ViT has no such choice (its quantized network is
/// `.float`).
///
/// The quantizer names are those of `QuantizedNetwork.activationQuantizer(named:)`; `<block>` is
/// a block's prefix, e.g. `stage1.block0`.
public enum ResidualPath: Sendable, Hashable {
    /// The residual stream stays float (the behaviour of runs before this option existed): only
    /// conv1 and the projection read a quantized block input (`<block>.input`, unsigned); the
    /// identity shortcut, the bn2 output, the projection's BN output and the add/ReLU output are
    /// float, so an integer model has to carry them at a wide accumulator width.
    case float
    /// The stream at the activation width. `<block>.input` (unsigned) quantizes the block input
    /// once, and conv1, the projection and the identity shortcut all read it; `<block>.residual`
    /// (the bn2 output) and `<block>.shortcut` (the projection's BN output) are signed quantizers;
    /// `pool.input` (unsigned) quantizes the last block's output. Each add output is thus quantized
    /// by the next block's `<block>.input`, or by `pool.input`.
    case activation
    /// A wider fixed stream of this many bits (2...16). `stem.output` (the stem's ReLU output) and
    /// `<block>.output` (each add+ReLU output) are unsigned, `<block>.residual` and
    /// `<block>.shortcut` signed, all at `max(bits, activation bits)`; the identity shortcut reads
    /// the block input (already on that grid); conv1 and the projection read `<block>.input`, its
    /// re-quantization to the activation width; the global pool reads the last `<block>.output`.
    case bits(Int)

    /// Widths `.bits` may take.
    public static let bitsRange = 2...16
}

extension ResidualPath: RawRepresentable, Codable, CustomStringConvertible {
    /// `float`, `activation`, or a bit count in `bitsRange`.
    public init?(rawValue: String) {
        switch rawValue {
        case "float": self = .float
        case "activation": self = .activation
        default:
            guard let bits = Int(rawValue), Self.bitsRange.contains(bits) else { return nil }
            self = .bits(bits)
        }
    }

    public var rawValue: String {
        switch self {
        case .float: "float"
        case .activation: "activation"
        case .bits(let b): String(b)
        }
    }

    public var description: String { rawValue }
}

extension ResidualPath {
    /// Bits of a stream tensor whose reader quantizes its input to `readerBits`: the reader's
    /// width (`activation`), at least R (`bits(R)`), or nil for `float`, whose stream training does
    /// not quantize. The one rule of `QuantizedNetwork`'s stream quantizers and of the integer plan.
    public func streamBits(readerBits: Int) -> Int? {
        switch self {
        case .float: nil
        case .activation: readerBits
        case .bits(let r): max(r, readerBits)
        }
    }
}
