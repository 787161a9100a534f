/// The network a recipe trains: a CIFAR-style ResNet of some depth, or a small ViT (whose shape
/// is the recipe's `patch`, `dim`, `depth` and `heads`). Stored as its name: `resnet20`, `vit`.
public enum ModelArchitecture: Hashable, Sendable, Codable, CustomStringConvertible {
    /// A ResNet of `depth` layers; only depths 6n+2 (n ≥ 1) build (`isValid`).
    case resnet(depth: Int)
    case vit

    /// The architecture `name` spells (`resnet<depth>` for any integer depth, or `vit`), nil for others.
    public init?(name: String) {
        if name == "vit" { self = .vit; return }
        guard name.hasPrefix("resnet"), let depth = Int(name.dropFirst(6)) else { return nil }
        self = .resnet(depth: depth)
    }

    public var description: String {
        switch self {
        case .resnet(let depth): "resnet\(depth)"
        case .vit: "vit"
        }
    }

    /// False for a ResNet whose depth is not 6n+2 with n ≥ 1.
    public var isValid: Bool {
        guard case .resnet(let depth) = self else { return true }
        return depth >= 8 && (depth - 2) % 6 == 0
    }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let model = ModelArchitecture(name: name) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "\(name): not a model name (resnet<depth> or vit)"))
        }
        self = model
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }
}
