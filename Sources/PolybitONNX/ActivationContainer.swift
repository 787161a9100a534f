import PolybitSim

/// How one Polybit activation tensor is held inside the ONNX graph: always an int8 tensor, the
/// codes shifted by `offset` so that every range of at most 8 bits fits.
///
/// Signed tensors and unsigned ones of up to 7 bits keep their codes (`offset` 0). 8-bit unsigned
/// tensors hold `q − 128` with zero point `zp − 128`: every operator here sees only `q − zp`, which
/// the shift leaves unchanged, and onnxruntime's int8×int8 kernels are exact where its uint8×int8
/// kernels can saturate (16-bit pair sums on CPUs without VNNI).
struct ActivationContainer: Equatable {
    /// The Polybit quantization of the tensor.
    let quantization: Quantization
    /// `q − code` (0 or 128).
    let offset: Int

    /// The container of `q`; throws naming `layer` and `field` when it needs more than 8 bits.
    init(_ q: Quantization, file: String, layer: String?, field: String) throws {
        guard q.bits <= 8 else {
            throw IntegerModelError(
                file: file, layer: layer, field: field,
                message:
                    "\(q.bits)-bit activations have no ONNX integer operator (QLinearConv, ConvInteger and "
                    + "QuantizeLinear take 8-bit tensors); export activations at 8 bits or fewer")
        }
        quantization = q
        offset = !q.signed && q.bits == 8 ? 128 : 0
    }

    /// Zero point of the int8 codes.
    var zeroPoint: Int32 { Int32(quantization.zeroPoint - offset) }
    /// Smallest int8 code, `qmin − offset`.
    var codeMin: Int32 { Int32(quantization.qmin - offset) }
    /// Largest int8 code, `qmax − offset`.
    var codeMax: Int32 { Int32(quantization.qmax - offset) }
    /// True when the range is narrower than int8, so results that saturate to int8 need a Clip.
    var needsClip: Bool { codeMin > -128 || codeMax < 127 }
    /// The graph's input/output element type for this tensor: uint8 for unsigned, int8 for signed.
    var boundaryType: Onnx_TensorProto.DataType { quantization.signed ? .int8 : .uint8 }
}

extension ONNXGraphBuilder {
    /// Clamps int8 `x` to the codes of `container` when its range is narrower than int8.
    mutating func clipToRange(_ x: String, _ container: ActivationContainer, output: String) -> String {
        guard container.needsClip else { return node("Identity", [x], output) }
        let lo = int8(output + "_min", [container.codeMin], dims: [])
        let hi = int8(output + "_max", [container.codeMax], dims: [])
        return node("Clip", [x, lo, hi], output)
    }

    /// Moves codes between the boundary type (`from` uint8 or int8 with zero point `fromZero`) and
    /// int8 with zero point 0, exactly: `DequantizeLinear(scale 1)` then `QuantizeLinear(scale 1)`.
    @discardableResult
    mutating func recode(
        _ x: String, from fromZero: Int32, fromType: Onnx_TensorProto.DataType,
        toType: Onnx_TensorProto.DataType, toZero: Int32, output: String
    ) -> String {
        let one = float(output + "_unit", [1], dims: [])
        let zpIn =
            fromType == .uint8
            ? uint8(output + "_zin", [fromZero], dims: []) : int8(output + "_zin", [fromZero], dims: [])
        let real = node("DequantizeLinear", [x, one, zpIn], output + "_real")
        let zpOut =
            toType == .uint8 ? uint8(output + "_zout", [toZero], dims: []) : int8(output + "_zout", [toZero], dims: [])
        return node("QuantizeLinear", [real, one, zpOut], output)
    }
}
