/// How many images of a dataset's official training split are held out as the validation split
/// (the last ones, before any limit; see `DatasetCatalog.load`). Spelled `auto` or a count, in a
/// recipe's JSON and on the command line.
public enum ValidationSplitSize: Equatable, Sendable, RawRepresentable, Codable {
    /// The dataset's default: `DatasetCatalog.defaultValidationImages(name:trainingImages:)`.
    case auto
    /// Exactly this many images (0: no held-out split; every training image is trained on).
    case images(Int)

    /// `auto`, or a count of 0 or more.
    public init?(rawValue: String) {
        if rawValue == "auto" { self = .auto; return }
        guard let n = Int(rawValue), n >= 0 else { return nil }
        self = .images(n)
    }

    public var rawValue: String {
        switch self {
        case .auto: "auto"
        case .images(let n): String(n)
        }
    }

    /// A JSON number for a count, the string `auto` otherwise.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { self = .images(n); return }
        let text = try c.decode(String.self)
        guard let value = ValidationSplitSize(rawValue: text) else {
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "\(text): expected auto or a count of images")
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .auto: try c.encode("auto")
        case .images(let n): try c.encode(n)
        }
    }
}
