import Foundation
import PolybitTensor

/// Per-layer bit-widths for mixed precision, keyed by layer name (e.g. `stage1.block0.conv1`).
/// JSON: `{"layers": {"stage1.block0.conv1": {"weight_bits": 4, "activation_bits": 4}, ...},
/// "default": {"weight_bits": 4, "activation_bits": 4}}`; a layer not listed runs at `default`.
/// Either part may be left out (no `layers`: every layer at `default`; no `default`: float);
/// a bit count left out or null means float. `read(from:)` parses files (PrecisionPolicyReader.swift).
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
    /// Where the policy came from, as text (JSON key `pick`): `polybit pick` records the
    /// checkpoint, profiles, budgets and validation accuracy; `export` copies them into the
    /// exported model's metadata. Does not change what the policy does.
    public var provenance: [String: String]?

    public init(layers: [String: Entry], default: Entry? = nil, provenance: [String: String]? = nil) {
        self.layers = layers; self.default = `default`; self.provenance = provenance
    }

    private enum CodingKeys: String, CodingKey {
        case layers, `default`
        case provenance = "pick"
    }

    /// Decodes `{"layers": ..., "default": ..., "pick": {...}}`; a missing `layers` is an empty table.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        layers = try c.decodeIfPresent([String: Entry].self, forKey: .layers) ?? [:]
        `default` = try c.decodeIfPresent(Entry.self, forKey: .default)
        provenance = try c.decodeIfPresent([String: String].self, forKey: .provenance)
    }

    /// The precision of `layer`.
    public func precision(of layer: String) -> Precision {
        let e = layers[layer] ?? `default`
        return Precision(weightBits: e?.weight_bits, activationBits: e?.activation_bits)
    }

    /// Every bit-width the policy names, in `layers` and in `default`, ascending and once each:
    /// the widths a network needs step sizes for before it runs at this policy.
    public var bitWidths: [Int] {
        let entries = Array(layers.values) + (`default`.map { [$0] } ?? [])
        return Array(Set(entries.flatMap { [$0.weight_bits, $0.activation_bits].compactMap { $0 } })).sorted()
    }

    /// Checks the policy against the layers of the network it will run (`model`): every key of
    /// the policy's `layers` names one of them, every bit count lies in `supportedBits`, and every
    /// layer comes out quantized (weight bits, and activation bits where it has an input quantizer).
    /// Errors are one line naming `file`, the layer and the field.
    public func validate(layers model: [QuantizedLayer], supportedBits: ClosedRange<Int>, file: String) throws {
        let names = model.map(\.name)
        if let unknown = layers.keys.sorted().first(where: { !names.contains($0) }) {
            let shown = names.count <= 6 ? names : Array(names.prefix(4)) + ["…", names.last!]
            throw InputError(
                "\(file): \(Self.fieldPath(layer: unknown)): no such layer in this model (its \(names.count) layers: "
                    + shown.joined(separator: ", ") + ")")
        }
        let entries =
            layers.sorted { $0.key < $1.key }.map { (Self.fieldPath(layer: $0.key), $0.value) }
            + (`default`.map { [("default", $0)] } ?? [])
        for (path, entry) in entries {
            for (field, bits) in [("weight_bits", entry.weight_bits), ("activation_bits", entry.activation_bits)] {
                if let bits, !supportedBits.contains(bits) {
                    throw InputError(
                        "\(file): \(path).\(field): \(bits) bits is outside \(supportedBits.lowerBound)..."
                            + "\(supportedBits.upperBound), the supported widths")
                }
            }
        }
        for l in model {
            let p = precision(of: l.name)
            guard
                let missing = p.weightBits == nil
                    ? "weight_bits"
                    : (l.input != nil && p.activationBits == nil ? "activation_bits" : nil)
            else { continue }
            let why = "every layer needs weight and input bits (layer \(l.name) would run in float)"
            if layers[l.name] != nil {
                throw InputError("\(file): \(Self.fieldPath(layer: l.name)).\(missing): missing; \(why)")
            }
            if `default` != nil { throw InputError("\(file): default.\(missing): missing; \(why)") }
            throw InputError("\(file): layers: no entry for \(l.name) and no \"default\"; \(why)")
        }
    }

    /// How errors name the entry of `layer`: `layers["stage1.block0.conv1"]` (names contain dots;
    /// control characters are escaped and long names cut, so the error stays one line).
    static func fieldPath(layer: String) -> String {
        "layers[" + (layer.count > 60 ? String(layer.prefix(60)) + "…" : layer).debugDescription + "]"
    }
}
