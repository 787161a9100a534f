/// A 128-bit two's-complement integer for the exact products of requantization (`Int128` is not
/// available on every platform the package declares).
public struct WideInt: Sendable, Equatable {
    /// Upper 64 bits (carries the sign).
    public var high: Int64
    /// Lower 64 bits.
    public var low: UInt64

    @inlinable public init(high: Int64, low: UInt64) { self.high = high; self.low = low }
    /// Sign-extends `v`.
    @inlinable public init(_ v: Int64) { high = v < 0 ? -1 : 0; low = UInt64(bitPattern: v) }

    /// The exact product `a · b`.
    @inlinable
    public static func product(_ a: Int64, _ b: Int64) -> WideInt {
        let p = a.multipliedFullWidth(by: b)
        return WideInt(high: p.high, low: p.low)
    }

    @inlinable public var isNegative: Bool { high < 0 }

    /// `self + v` (wrapping at 128 bits).
    @inlinable
    public func adding(_ v: Int64) -> WideInt {
        let (lo, carry) = low.addingReportingOverflow(UInt64(bitPattern: v))
        let ext: Int64 = v < 0 ? -1 : 0
        return WideInt(high: high &+ ext &+ (carry ? 1 : 0), low: lo)
    }

    /// `−self`.
    @inlinable
    public var negated: WideInt {
        let lo = ~low &+ 1
        return WideInt(high: ~high &+ (lo == 0 ? 1 : 0), low: lo)
    }

    /// `floor(self / 2^n)` for `n` in 1...127, saturated to Int64.
    @inlinable
    public func shiftedRightFloor(_ n: Int) -> Int64 {
        let h: Int64, l: UInt64
        if n >= 64 {
            h = high < 0 ? -1 : 0
            l = UInt64(bitPattern: high >> Int64(Swift.min(n - 64, 63)))
        } else {
            h = high >> Int64(n)
            l = (low >> UInt64(n)) | (UInt64(bitPattern: high) << UInt64(64 - n))
        }
        return WideInt(high: h, low: l).saturated
    }

    /// `self · 2^n` for `n` ≥ 0, saturated to Int64.
    @inlinable
    public func shiftedLeft(_ n: Int) -> Int64 {
        let v = saturated
        if n == 0 { return v }
        if n >= 63 { return v == 0 ? 0 : (v > 0 ? Int64.max : Int64.min) }
        let limit = Int64.max >> Int64(n)
        if v > limit { return Int64.max }
        if v < -limit - 1 { return Int64.min }
        return v << Int64(n)
    }

    /// The value clamped to Int64.
    @inlinable
    public var saturated: Int64 {
        let lowSigned = Int64(bitPattern: low)
        if high == 0 && lowSigned >= 0 { return lowSigned }
        if high == -1 && lowSigned < 0 { return lowSigned }
        return high < 0 ? Int64.min : Int64.max
    }
}
