/// How an integer tensor maps to real numbers: `real = scale · (q − zeroPoint)`, with `q` in
/// `qmin...qmax` for `bits` bits, signed (two's complement) or unsigned.
public struct Quantization: Sendable, Equatable, Hashable {
    /// Bits per value: 1...24 for activation tensors (exact in the float32 requantization of the
    /// onnx mode), 1...16 for weights.
    public var bits: Int
    /// True for two's-complement values, false for unsigned.
    public var signed: Bool
    /// Real value of one step (float64; the onnx requant mode uses `Float(scale)`).
    public var scale: Double
    /// Integer that represents real 0; must lie in `qmin...qmax`.
    public var zeroPoint: Int

    public init(bits: Int, signed: Bool, scale: Double, zeroPoint: Int) {
        self.bits = bits; self.signed = signed; self.scale = scale; self.zeroPoint = zeroPoint
    }

    /// Smallest representable integer: `−2^(bits−1)` signed, 0 unsigned.
    @inlinable public var qmin: Int { signed ? -(1 << (bits - 1)) : 0 }
    /// Largest representable integer: `2^(bits−1) − 1` signed, `2^bits − 1` unsigned.
    @inlinable public var qmax: Int { signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1 }
    /// Largest `|q − zeroPoint|` over the range (bounds products in the kernels).
    @inlinable public var maxCentered: Int { max(abs(qmin - zeroPoint), abs(qmax - zeroPoint)) }

    /// Quantizes a real value: `clamp(roundHalfEven(x / scale) + zeroPoint, qmin, qmax)`, the
    /// ONNX QuantizeLinear rule (division in float64).
    @inlinable
    public func quantize(_ x: Double) -> Int32 {
        let v = (x / scale).rounded(.toNearestOrEven) + Double(zeroPoint)
        return Int32(Swift.min(Swift.max(v, Double(qmin)), Double(qmax)))
    }
}

/// The narrowest native HDF5 integer type for values of `bits` bits (the schema's storage rule).
public enum IntegerStorage {
    /// "int8", "int16", "int32" for signed; "uint8", "uint16", "uint32" for unsigned.
    public static func typeName(bits: Int, signed: Bool) -> String {
        let width = bits <= 8 ? 8 : bits <= 16 ? 16 : 32
        return (signed ? "int" : "uint") + String(width)
    }
}
