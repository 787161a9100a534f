/// How an integer accumulator becomes an output integer. Chosen per run; every model stores the
/// parameters of all three so any mode can be simulated.
public enum RequantMode: String, Sendable, CaseIterable, Codable {
    /// onnxruntime: `float32(acc) · scale` in float32, clamp to `[qmin − zp, qmax − zp]`, round half
    /// to even, add the zero point.
    case onnx
    /// TFLite/gemmlowp default: SaturatingRoundingDoublingHighMul (ties toward +∞) then
    /// RoundingDivideByPOT (ties away from zero), then add the zero point and clamp.
    case double
    /// TFLite single rounding: `(acc · M0 + 2^(30 − shift)) >> (31 − shift)`, one rounding
    /// (ties toward +∞), then add the zero point and clamp.
    case single
}

/// Per-output-channel requantization parameters (arrays of length 1 apply to every channel).
///
/// The effective real multiplier is `scale[c]` (float32, onnx mode) or
/// `multiplier[c] · 2^(shift[c] − 31)` (Q31 multiplier in `[2^30, 2^31)` or 0; `shift` > 0 is a left
/// shift) for the TFLite modes.
public struct Requantization: Sendable, Equatable {
    /// float32 scale per channel for the onnx mode.
    public var scale: [Float]
    /// Q31 multiplier `M0` per channel.
    public var multiplier: [Int32]
    /// Power-of-two exponent per channel, in `-31...30`.
    public var shift: [Int32]

    public init(scale: [Float], multiplier: [Int32], shift: [Int32]) {
        self.scale = scale; self.multiplier = multiplier; self.shift = shift
    }

    /// Parameters for real multipliers `reals` (float64): `scale` is `Float(real)` and the Q31 pair
    /// comes from `QuantizedMultiplier`.
    public init(reals: [Double]) {
        let q = reals.map(QuantizedMultiplier.init(real:))
        self.init(scale: reals.map { Float($0) }, multiplier: q.map(\.multiplier), shift: q.map(\.shift))
    }

    /// Number of channels described (1 means shared).
    public var count: Int { scale.count }
}

/// A real multiplier as TFLite's `QuantizeMultiplier` splits it: `real ≈ multiplier · 2^(shift − 31)`.
public struct QuantizedMultiplier: Sendable, Equatable {
    /// Q31 mantissa in `[2^30, 2^31)`, or 0 for a zero multiplier.
    public var multiplier: Int32
    /// Exponent, in `-31...30`.
    public var shift: Int32

    public init(multiplier: Int32, shift: Int32) { self.multiplier = multiplier; self.shift = shift }

    /// frexp of `real`, mantissa rounded half away from zero to 31 bits (TFLite's rule);
    /// underflow gives 0, overflow saturates at `(2^31 − 1, 30)`.
    public init(real: Double) {
        guard real > 0, real.isFinite else { self.init(multiplier: 0, shift: 0); return }
        var exponent = real.exponent + 1  // real = mantissa · 2^exponent, mantissa in [0.5, 1)
        let mantissa = real / Double(sign: .plus, exponent: exponent, significand: 1)
        var q = (mantissa * 2147483648.0).rounded(.toNearestOrAwayFromZero)
        if q == 2147483648.0 { q /= 2; exponent += 1 }
        if exponent < -31 { self.init(multiplier: 0, shift: 0); return }
        if exponent > 30 { self.init(multiplier: Int32.max, shift: 30); return }
        self.init(multiplier: Int32(q), shift: Int32(exponent))
    }

    /// The real value represented.
    public var real: Double { Double(multiplier) * Double(sign: .plus, exponent: Int(shift) - 31, significand: 1) }
}

/// The requantization arithmetic of the three modes, on accumulators with `fractionBits`
/// fraction bits (F > 0 only when a layer carries bias-correction constants; F = 0 is exactly the
/// reference runtimes' arithmetic).
public enum Requant {
    /// onnx mode: `clamp(roundHalfEven(Float(acc) · 2^−F · scale), qmin − zp, qmax − zp) + zp`,
    /// with `Float(acc)` rounding to nearest even and every product in float32.
    @inlinable
    public static func onnx(
        _ acc: Int64, fractionBits: Int, scale: Float, zeroPoint: Int32,
        qmin: Int32, qmax: Int32
    ) -> Int32 {
        var v = Float(acc)
        if fractionBits > 0 { v *= Float(sign: .plus, exponent: -fractionBits, significand: 1) }
        v *= scale
        let lo = Float(qmin - zeroPoint), hi = Float(qmax - zeroPoint)
        v = Swift.min(Swift.max(v, lo), hi)
        return Int32(v.rounded(.toNearestOrEven)) + zeroPoint
    }

    /// TFLite modes: `acc · multiplier · 2^(shift − 31 − F)` rounded as `mode` says (`.double` or
    /// `.single`), before the zero point is added. 128-bit intermediates; the result saturates to Int64.
    @inlinable
    public static func fixedPoint(
        _ acc: Int64, fractionBits: Int, multiplier: Int32, shift: Int32,
        mode: RequantMode
    ) -> Int64 {
        if fractionBits == 0, shift <= 0, acc >= Int64(Int32.min), acc <= Int64(Int32.max) {
            // int32 input, right shift: the reference runtimes' arithmetic fits in Int64.
            let p = acc * Int64(multiplier)
            if mode == .single {
                let right = 31 - Int(shift)
                return (p + (Int64(1) << (right - 1))) >> right
            }
            let high = (p + (p >= 0 ? Int64(1) << 30 : 1 - (Int64(1) << 30))) / (Int64(1) << 31)
            return roundingDivideByPOT(high, -Int(shift))
        }
        if mode == .single {
            let right = 31 - Int(shift) + fractionBits  // ≥ 1: shift ≤ 30, F ≥ 0
            return WideInt.product(acc, Int64(multiplier))
                .adding(Int64(1) << (right - 1)).shiftedRightFloor(right)
        }
        let left = max(Int(shift), 0), right = max(-Int(shift), 0) + fractionBits
        let x = left == 0 ? acc : WideInt(acc).shiftedLeft(left)
        let high = doublingHighMul(x, multiplier)
        return roundingDivideByPOT(high, right)
    }

    /// gemmlowp's SaturatingRoundingDoublingHighMul widened to a 64-bit `a`:
    /// `(a · b + nudge) / 2^31` truncated toward zero, `nudge = 2^30` for non-negative products and
    /// `1 − 2^30` otherwise (ties toward +∞). Equal to gemmlowp on int32 inputs (b ≥ 2^30 never saturates).
    @inlinable
    public static func doublingHighMul(_ a: Int64, _ b: Int32) -> Int64 {
        let p = WideInt.product(a, Int64(b))
        let nudged = p.adding(p.isNegative ? 1 - (Int64(1) << 30) : Int64(1) << 30)
        return nudged.isNegative ? -nudged.negated.shiftedRightFloor(31) : nudged.shiftedRightFloor(31)
    }

    /// gemmlowp's RoundingDivideByPOT: `x / 2^exponent` rounded to nearest, ties away from zero.
    @inlinable
    public static func roundingDivideByPOT(_ x: Int64, _ exponent: Int) -> Int64 {
        if exponent <= 0 { return x }
        if exponent >= 63 { return 0 }
        let mask = (Int64(1) << exponent) - 1
        let remainder = x & mask
        let threshold = (mask >> 1) + (x < 0 ? 1 : 0)
        return (x >> exponent) + (remainder > threshold ? 1 : 0)
    }

    /// Requantizes `acc` in `mode` and returns the clamped output integer (zero point added).
    @inlinable
    public static func apply(
        _ acc: Int64, fractionBits: Int, mode: RequantMode, scale: Float,
        multiplier: Int32, shift: Int32, zeroPoint: Int32,
        qmin: Int32, qmax: Int32
    ) -> Int32 {
        if mode == .onnx {
            return onnx(
                acc, fractionBits: fractionBits, scale: scale, zeroPoint: zeroPoint,
                qmin: qmin, qmax: qmax)
        }
        let r = fixedPoint(
            acc, fractionBits: fractionBits, multiplier: multiplier, shift: shift,
            mode: mode)
        let y = r.addingReportingOverflow(Int64(zeroPoint))
        let v = y.overflow ? (r > 0 ? Int64.max : Int64.min) : y.partialValue
        return Int32(Swift.min(Swift.max(v, Int64(qmin)), Int64(qmax)))
    }
}
