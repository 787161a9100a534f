import PolybitSim

/// How one Polybit activation tensor is held inside the ONNX graph: an int8 tensor for ranges of
/// at most 8 bits (the codes shifted by `offset`), an int32 tensor for wider ones ("wide").
///
/// Signed tensors and unsigned ones of up to 7 bits keep their codes (`offset` 0). 8-bit unsigned
/// tensors hold `q − 128` with zero point `zp − 128`: every operator here sees only `q − zp`, which
/// the shift leaves unchanged, and onnxruntime's int8×int8 kernels are exact where its uint8×int8
/// kernels can saturate (16-bit pair sums on CPUs without VNNI). Wide tensors (9–24 bits, such as
/// a residual stream) hold `q` in int32; only elementwise operators, 1×1 and global average pools
/// and residual adds read them (ONNX's integer convolutions take 8-bit inputs).
struct ActivationContainer: Equatable {
    /// The Polybit quantization of the tensor.
    let quantization: Quantization
    /// `q − code` (0 or 128).
    let offset: Int

    init(_ q: Quantization) {
        quantization = q
        offset = !q.signed && q.bits == 8 ? 128 : 0
    }

    /// True for tensors of more than 8 bits (int32 codes).
    var wide: Bool { quantization.bits > 8 }
    /// Element type of the codes inside the graph.
    var elementType: Onnx_TensorProto.DataType { wide ? .int32 : .int8 }
    /// Zero point of the codes.
    var zeroPoint: Int32 { Int32(quantization.zeroPoint - offset) }
    /// Smallest code, `qmin − offset`.
    var codeMin: Int32 { Int32(quantization.qmin - offset) }
    /// Largest code, `qmax − offset`.
    var codeMax: Int32 { Int32(quantization.qmax - offset) }
    /// True when an int8 result saturated to −128...127 still needs a Clip to the range.
    var needsClip: Bool { !wide && (codeMin > -128 || codeMax < 127) }
    /// The graph's input/output element type for this tensor: uint8 for unsigned and int8 for
    /// signed tensors of up to 8 bits, int32 for wide ones.
    var boundaryType: Onnx_TensorProto.DataType { wide ? .int32 : quantization.signed ? .int8 : .uint8 }

    /// Throws naming `layer` and `field` when a tensor that an 8-bit-only operator reads is wide.
    func requireNarrow(file: String, layer: String, field: String, reader: String) throws {
        guard wide else { return }
        throw IntegerModelError(
            file: file, layer: layer, field: field,
            message:
                "reads a \(quantization.bits)-bit tensor; ONNX's \(reader) takes 8-bit tensors, so this layer has "
                + "no exact ONNX form (export its input at 8 bits or fewer)")
    }
}

extension ONNXGraphBuilder {
    /// Clamps int8 `x` to the codes of `container` when its range is narrower than int8.
    mutating func clipToRange(_ x: String, _ container: ActivationContainer, output: String) -> String {
        guard container.needsClip else { return node("Identity", [x], output) }
        let lo = int8(output + "/min", [container.codeMin], dims: [])
        let hi = int8(output + "/max", [container.codeMax], dims: [])
        return node("Clip", [x, lo, hi], output)
    }

    /// An integer scalar initializer of the container's element type (int8 or int32).
    mutating func code(_ name: String, _ value: Int32, _ container: ActivationContainer) -> String {
        container.wide ? int32(name, [value], dims: []) : int8(name, [value], dims: [])
    }

    /// Float32 `v` (the requantization product) to the codes of `out`, as the simulator's onnx mode
    /// does: `Clip(v, qmin − zp, qmax − zp)`, `Round` (half to even), `+ zp`, Cast. For an 8-bit
    /// container that is QuantizeLinear with unit scale (and a Clip when the range is narrower).
    mutating func requantize(_ v: String, _ out: ActivationContainer, prefix: String, output: String) -> String {
        let zp = Float(out.zeroPoint)
        if !out.wide {
            let one = float(prefix + "/unit", [1], dims: [])
            let q = node("QuantizeLinear", [v, one, int8(prefix + "/yz", [out.zeroPoint], dims: [])], prefix + "/q")
            return clipToRange(q, out, output: output)
        }
        let lo = float(prefix + "/lo", [Float(out.codeMin) - zp], dims: [])
        let hi = float(prefix + "/hi", [Float(out.codeMax) - zp], dims: [])
        let clipped = node("Clip", [v, lo, hi], prefix + "/clipped")
        let rounded = node("Round", [clipped], prefix + "/rounded")
        let shifted = node("Add", [rounded, float(prefix + "/zp", [zp], dims: [])], prefix + "/shifted")
        return node("Cast", [shifted], output, ["to": .int(Int(Onnx_TensorProto.DataType.int32.rawValue))])
    }

    /// Moves codes between the boundary type (`from` uint8 or int8 with zero point `fromZero`) and
    /// int8 with zero point 0, exactly: `DequantizeLinear(scale 1)` then `QuantizeLinear(scale 1)`.
    @discardableResult
    mutating func recode(
        _ x: String, from fromZero: Int32, fromType: Onnx_TensorProto.DataType,
        toType: Onnx_TensorProto.DataType, toZero: Int32, output: String
    ) -> String {
        let one = float(output + "/boundary_unit", [1], dims: [])
        let zpIn =
            fromType == .uint8
            ? uint8(output + "/boundary_zin", [fromZero], dims: [])
            : int8(output + "/boundary_zin", [fromZero], dims: [])
        let real = node("DequantizeLinear", [x, one, zpIn], output + "/boundary_real")
        let zpOut =
            toType == .uint8
            ? uint8(output + "/boundary_zout", [toZero], dims: []) : int8(output + "/boundary_zout", [toZero], dims: [])
        return node("QuantizeLinear", [real, one, zpOut], output)
    }
}
