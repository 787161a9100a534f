import Foundation
import PolybitTensor

/// Per-layer bit-widths for mixed precision, keyed by layer name (e.g. `stage1.block0.conv1`).
/// JSON: `{"layers": {"stage1.block0.conv1": {"weight_bits": 4, "activation_bits": 4}, ...}}`;
/// a layer not listed runs at `default` (itself optional: float).
public struct PrecisionPolicy: Codable, Equatable, Sendable {
    public struct Entry: Codable, Equatable, Sendable {
        public var weight_bits: Int?
        public var activation_bits: Int?
        public init(weight_bits: Int?, activation_bits: Int?) {
            self.weight_bits = weight_bits; self.activation_bits = activation_bits
        }
    }
    public var layers: [String: Entry]
    public var `default`: Entry?

    public init(layers: [String: Entry], default: Entry? = nil) {
        self.layers = layers; self.default = `default`
    }

    /// The precision of `layer`.
    public func precision(of layer: String) -> Precision {
        let e = layers[layer] ?? `default`
        return Precision(weightBits: e?.weight_bits, activationBits: e?.activation_bits)
    }

    /// Reads a policy file; errors name the file and the problem.
    public static func read(from path: String) throws -> PrecisionPolicy {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw InputError("\(path): cannot read the policy file")
        }
        do {
            return try JSONDecoder().decode(PrecisionPolicy.self, from: data)
        } catch {
            throw InputError("\(path): not a precision policy (expected {\"layers\": {name: {\"weight_bits\": b, \"activation_bits\": b}}}): \(error)")
        }
    }
}
