import PolybitTensor

/// An element type of the column matrix: built from a centered input integer `x − zp`.
protocol ColumnElement {
    init(centered: Int32)
    static var zero: Self { get }
}

extension Float: ColumnElement {
    @inline(__always) init(centered: Int32) { self.init(centered) }
}
extension Double: ColumnElement {
    @inline(__always) init(centered: Int32) { self.init(centered) }
}
extension Int32: ColumnElement {
    @inline(__always) init(centered: Int32) { self = centered }
}

/// im2col fused with zero-point removal: reads one `C×H×W` image of integers, writes
/// `x − zeroPoint` (padding: 0, i.e. the input zero point) into a `patchSize × outPositions` column
/// block with row stride `ld`, rows in the order c, ky, kx. Same layout as `Im2col.unfold`, but
/// without a separate conversion pass or a memmove per output row (rows here are short).
enum CenteredIm2col {
    static func unfold(
        _ g: ConvGeometry, image: UnsafePointer<Int32>, zeroPoint: Int32,
        columns: UnsafeMutablePointer<Float>, ld: Int
    ) {
        unfoldGeneric(g, image: image, zeroPoint: zeroPoint, columns: columns, ld: ld)
    }

    static func unfold(
        _ g: ConvGeometry, image: UnsafePointer<Int32>, zeroPoint: Int32,
        columns: UnsafeMutablePointer<Double>, ld: Int
    ) {
        unfoldGeneric(g, image: image, zeroPoint: zeroPoint, columns: columns, ld: ld)
    }

    static func unfold(
        _ g: ConvGeometry, image: UnsafePointer<Int32>, zeroPoint: Int32,
        columns: UnsafeMutablePointer<Int32>, ld: Int
    ) {
        unfoldGeneric(g, image: image, zeroPoint: zeroPoint, columns: columns, ld: ld)
    }

    /// The shared body, inlined into each concrete entry point so every element type gets its
    /// own vectorized loops.
    @inline(__always)
    private static func unfoldGeneric<T: ColumnElement>(
        _ g: ConvGeometry, image: UnsafePointer<Int32>, zeroPoint: Int32,
        columns: UnsafeMutablePointer<T>, ld: Int
    ) {
        let oh = g.outH, ow = g.outW
        if g.kernelH == 1 && g.kernelW == 1 && g.strideH == 1 && g.strideW == 1 && g.padH == 0 && g.padW == 0 {
            for c in 0..<g.channels {
                let src = image + c * g.height * g.width, dst = columns + c * ld
                for j in 0..<(oh * ow) { dst[j] = T(centered: src[j] &- zeroPoint) }
            }
            return
        }
        var row = 0
        for c in 0..<g.channels {
            let plane = image + c * g.height * g.width
            for ky in 0..<g.kernelH {
                for kx in 0..<g.kernelW {
                    let dst = columns + row * ld
                    for oy in 0..<oh {
                        let iy = oy * g.strideH - g.padH + ky
                        let d = dst + oy * ow
                        if iy < 0 || iy >= g.height {
                            for ox in 0..<ow { d[ox] = T.zero }
                            continue
                        }
                        let src = plane + iy * g.width
                        if g.strideW == 1 {
                            let shift = kx - g.padW
                            let lo = min(max(0, -shift), ow), hi = max(lo, min(ow, g.width - shift))
                            for ox in 0..<lo { d[ox] = T.zero }
                            let s = src + shift
                            for ox in lo..<hi { d[ox] = T(centered: s[ox] &- zeroPoint) }
                            for ox in hi..<ow { d[ox] = T.zero }
                        } else {
                            for ox in 0..<ow {
                                let ix = ox * g.strideW - g.padW + kx
                                d[ox] = (ix >= 0 && ix < g.width) ? T(centered: src[ix] &- zeroPoint) : T.zero
                            }
                        }
                    }
                    row += 1
                }
            }
        }
    }
}
