import Foundation
import PolybitSim
import PolybitTensor
import SwiftProtobuf

/// Converts an `IntegerModel` into an ONNX model that onnxruntime (graph optimizations off)
/// computes bit for bit like `polybit simulate --requant onnx` with its default 32-bit wrapping
/// accumulator. The operator mapping and what is refused are in docs/onnx.md.
public enum ONNXExport {
    /// The ONNX operator set imported (default domain).
    public static let opset: Int64 = 21
    /// The ONNX IR version written (IR 10 goes with opset 21).
    public static let irVersion: Int64 = 10

    /// The serialized ONNX model of `model`. `metadata` entries are added to the model's
    /// metadata_props beside the per-layer ones (`layerMetadata`); `file` names the model in errors.
    /// Throws `InputError` for a requantization mode ONNX cannot express and `IntegerModelError`
    /// for a layer that has no exact ONNX form (activations over 8 bits, weights over int8).
    public static func serialize(
        _ model: IntegerModel, requant: RequantMode = .onnx, metadata: [String: String] = [:],
        file: String = "<memory>"
    ) throws -> Data {
        try checkMode(requant)
        return try serialized(
            graph: try graph(model, file: file), opsets: ["": opset],
            metadata: layerMetadata(model).merging(metadata) { _, given in given })
    }

    /// A model of `graph` importing `opsets` (domain → version), with `metadata` as its
    /// metadata_props (sorted by key), serialized.
    static func serialized(graph: Onnx_GraphProto, opsets: [String: Int64], metadata: [String: String]) throws
        -> Data
    {
        var proto = Onnx_ModelProto()
        proto.irVersion = irVersion
        proto.opsetImport = opsets.keys.sorted().map { domain in
            var id = Onnx_OperatorSetIdProto()
            id.domain = domain
            id.version = opsets[domain]!
            return id
        }
        proto.producerName = "polybit"
        proto.producerVersion = metadata["polybit.version"] ?? ""
        proto.graph = graph
        proto.metadataProps = metadata.keys.sorted().map { key in
            var e = Onnx_StringStringEntryProto()
            e.key = key
            e.value = metadata[key]!
            return e
        }
        return try proto.serializedData()
    }

    /// Writes `serialize(model, …)` to `path` (through a temporary file, renamed into place).
    public static func write(
        _ model: IntegerModel, to path: String, requant: RequantMode = .onnx,
        metadata: [String: String] = [:], file: String = "<memory>"
    ) throws {
        try writeAtomically(try serialize(model, requant: requant, metadata: metadata, file: file), to: path)
    }

    /// Writes `data` to `path` through a temporary file renamed into place.
    static func writeAtomically(_ data: Data, to path: String) throws {
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw InputError("\(path): cannot write the ONNX model (\(error.localizedDescription))")
        }
    }

    /// Per-layer metadata_props: `polybit.input` and `polybit.layer.<name>` describe each tensor's
    /// quantization (`bits`, `signed`, `scale`, `zero_point`, and `code_offset` when the int8
    /// codes are `q − 128`) and each weighted layer's `weight_bits`, weight range and bias
    /// correction; `polybit.arithmetic` states what the graph reproduces. `codeOffset` false leaves
    /// out `code_offset` (graphs that do not shift 8-bit unsigned codes).
    public static func layerMetadata(_ model: IntegerModel, codeOffset: Bool = true) -> [String: String] {
        var m = [
            "polybit.input": describe(model.input, codeOffset: codeOffset),
            "polybit.arithmetic": "polybit simulate --requant onnx --accumulator-bits 32 --overflow wrap",
        ]
        for layer in model.layers {
            var text = "op=\(layer.op.name) " + describe(layer.output, codeOffset: codeOffset)
            if case .conv(let w) = layer.op { text += " " + describe(w) }
            if case .linear(let w) = layer.op { text += " " + describe(w) }
            m["polybit.layer." + layer.name] = text
        }
        return m
    }

    private static func describe(_ q: Quantization, codeOffset: Bool) -> String {
        let offset = codeOffset && !q.signed && q.bits == 8 ? " code_offset=128" : ""
        return "bits=\(q.bits) signed=\(q.signed ? 1 : 0) scale=\(q.scale) zero_point=\(q.zeroPoint)" + offset
    }

    private static func describe(_ w: WeightedLayer) -> String {
        let lo = w.weightSigned ? -(1 << (w.weightBits - 1)) : 0
        let hi = w.weightSigned ? (1 << (w.weightBits - 1)) - 1 : (1 << w.weightBits) - 1
        let bias = w.zc != nil || w.biasFraction != nil ? " zc_fraction_bits=\(w.zcFractionBits)" : ""
        return "weight_bits=\(w.weightBits) weight_signed=\(w.weightSigned ? 1 : 0) weight_range=[\(lo),\(hi)]"
            + bias + (w.zc != nil ? " zc=1" : "") + (w.biasFraction != nil ? " bias_fraction=1" : "")
    }

    /// Only the onnx mode (float32 scale, round half to even) is onnxruntime's arithmetic.
    static func checkMode(_ mode: RequantMode) throws {
        guard mode == .onnx else {
            throw InputError(
                "--requant \(mode.rawValue): TFLite's \(mode.rawValue)-rounding fixed-point requantization has no "
                    + "exact ONNX operator form; convert with --requant onnx (onnxruntime's float32 requantization) "
                    + "and check it with `polybit simulate --requant onnx`")
        }
    }
}
