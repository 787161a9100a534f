import PolybitHDF5
import PolybitSim

extension ONNXExport {
    /// metadata_props entries `polybit.<attr>` for the root attributes of the integer model file at
    /// `path` other than `format` and `format_version` (an exporter's policy, profile, accuracy,
    /// recipe…), each value as text (arrays comma-separated), and `polybit.input_normalization`
    /// when the model knows how pixels map to its input. Throws `IntegerModelError` naming the file.
    public static func fileMetadata(path: String, model: IntegerModel) throws -> [String: String] {
        var m: [String: String] = [:]
        do {
            let file = try HDF5File(path: path, mode: .readOnly)
            defer { file.close() }
            for key in try file.root.attributeNames() where key != "format" && key != "format_version" {
                m["polybit." + key] = text(try file.root.attribute(key))
            }
        } catch let error as HDF5Error {
            throw IntegerModelError(file: path, layer: nil, field: nil, message: error.description)
        }
        if let n = model.inputNormalization {
            m["polybit.input_normalization"] =
                "mean=" + n.mean.map { "\($0)" }.joined(separator: ",") + " std="
                + n.std.map { "\($0)" }.joined(separator: ",")
        }
        return m
    }

    private static func text(_ v: HDF5AttributeValue) -> String {
        switch v {
        case .int(let x): "\(x)"
        case .double(let x): "\(x)"
        case .float(let x): "\(x)"
        case .string(let x): x
        case .ints(let x): x.map { "\($0)" }.joined(separator: ",")
        case .doubles(let x): x.map { "\($0)" }.joined(separator: ",")
        case .floats(let x): x.map { "\($0)" }.joined(separator: ",")
        case .strings(let x): x.joined(separator: ",")
        }
    }
}
