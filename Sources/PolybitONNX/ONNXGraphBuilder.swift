import Foundation

/// Collects the nodes and initializers of one ONNX graph, naming every tensor it
/// creates after the Polybit layer it belongs to.
struct ONNXGraphBuilder {
    private(set) var nodes: [Onnx_NodeProto] = []
    private(set) var initializers: [Onnx_TensorProto] = []
    /// Every tensor name produced so far (node outputs and initializers); ONNX needs them unique.
    private var names: Set<String> = []

    /// An attribute of a node: an integer, an integer list or a string.
    enum Attribute {
        case int(Int)
        case ints([Int])
        case string(String)
    }

    /// Appends a node of `op` (in operator set `domain`, "" for ONNX's own) reading `inputs` and
    /// writing `output`; returns `output`.
    @discardableResult
    mutating func node(
        _ op: String, _ inputs: [String], _ output: String, _ attributes: [String: Attribute] = [:],
        domain: String = ""
    ) -> String {
        claim(output)
        var n = Onnx_NodeProto()
        n.opType = op
        n.domain = domain
        n.name = output
        n.input = inputs
        n.output = [output]
        n.attribute = attributes.keys.sorted().map { key in
            var a = Onnx_AttributeProto()
            a.name = key
            switch attributes[key]! {
            case .int(let v): a.type = .int; a.i = Int64(v)
            case .ints(let v): a.type = .ints; a.ints = v.map(Int64.init)
            case .string(let v): a.type = .string; a.s = Data(v.utf8)
            }
            return a
        }
        nodes.append(n)
        return output
    }

    /// Adds an int8 initializer (values must lie in −128...127); returns its name.
    mutating func int8(_ name: String, _ values: [Int32], dims: [Int]) -> String {
        add(name, .int8, dims: dims, raw: values.map { UInt8(bitPattern: Int8($0)) })
    }

    /// Adds a uint8 initializer (values must lie in 0...255); returns its name.
    mutating func uint8(_ name: String, _ values: [Int32], dims: [Int]) -> String {
        add(name, .uint8, dims: dims, raw: values.map { UInt8($0) })
    }

    /// Adds an int32 initializer; returns its name.
    mutating func int32(_ name: String, _ values: [Int32], dims: [Int]) -> String {
        add(name, .int32, dims: dims, raw: values.flatMap { littleEndianBytes(UInt32(bitPattern: $0)) })
    }

    /// Adds an int64 initializer; returns its name.
    mutating func int64(_ name: String, _ values: [Int64], dims: [Int]) -> String {
        add(name, .int64, dims: dims, raw: values.flatMap { littleEndianBytes(UInt64(bitPattern: $0)) })
    }

    /// Adds a float32 initializer; returns its name.
    mutating func float(_ name: String, _ values: [Float], dims: [Int]) -> String {
        add(name, .float, dims: dims, raw: values.flatMap { littleEndianBytes($0.bitPattern) })
    }

    /// Adds a float64 initializer; returns its name.
    mutating func double(_ name: String, _ values: [Double], dims: [Int]) -> String {
        add(name, .double, dims: dims, raw: values.flatMap { littleEndianBytes($0.bitPattern) })
    }

    private mutating func add(
        _ name: String, _ type: Onnx_TensorProto.DataType, dims: [Int], raw: [UInt8]
    ) -> String {
        claim(name)
        var t = Onnx_TensorProto()
        t.name = name
        t.dataType = Int32(type.rawValue)
        t.dims = dims.map(Int64.init)
        t.rawData = Data(raw)
        initializers.append(t)
        return name
    }

    private mutating func claim(_ name: String) {
        precondition(names.insert(name).inserted, "ONNX tensor name '\(name)' is produced twice")
    }

    private func littleEndianBytes<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: v >> ($0 * 8)) }
    }
}
