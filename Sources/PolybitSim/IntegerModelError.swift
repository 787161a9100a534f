import PolybitTensor

/// A bad integer model: which file, which layer group (nil for the root or input), which field,
/// and what was expected. Bad input (the command line exits with code 2).
public struct IntegerModelError: BadInput, Equatable {
    /// Path of the model file (or "<memory>" for a model built in code).
    public let file: String
    /// Layer name, nil for root-level and input fields.
    public let layer: String?
    /// Attribute or dataset name (e.g. "weights", "requant_shift", "input/scale").
    public let field: String?
    /// What is wrong and what was expected.
    public let message: String

    public init(file: String, layer: String?, field: String?, message: String) {
        self.file = file; self.layer = layer; self.field = field; self.message = message
    }

    public var description: String {
        var s = file + ":"
        if let layer { s += " layer '\(layer)':" }
        if let field { s += " field '\(field)':" }
        return s + " " + message
    }
}
