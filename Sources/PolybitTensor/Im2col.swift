/// Geometry of a 2-D convolution or pooling window over NCHW activations.
public struct ConvGeometry: Sendable, Equatable, Hashable, Codable {
    public var channels: Int, height: Int, width: Int
    public var kernelH: Int, kernelW: Int
    public var strideH: Int, strideW: Int
    public var padH: Int, padW: Int

    public init(
        channels: Int, height: Int, width: Int, kernel: Int, stride: Int = 1,
        padding: Int = 0
    ) {
        self.init(
            channels: channels, height: height, width: width, kernelH: kernel,
            kernelW: kernel, strideH: stride, strideW: stride, padH: padding, padW: padding)
    }

    public init(
        channels: Int, height: Int, width: Int, kernelH: Int, kernelW: Int,
        strideH: Int, strideW: Int, padH: Int, padW: Int
    ) {
        precondition(
            channels > 0 && height > 0 && width > 0 && kernelH > 0 && kernelW > 0
                && strideH > 0 && strideW > 0 && padH >= 0 && padW >= 0,
            "invalid convolution geometry")
        self.channels = channels; self.height = height; self.width = width
        self.kernelH = kernelH; self.kernelW = kernelW
        self.strideH = strideH; self.strideW = strideW; self.padH = padH; self.padW = padW
    }

    /// Output height: `(H + 2·padH − kH) / strideH + 1`.
    @inlinable public var outH: Int { (height + 2 * padH - kernelH) / strideH + 1 }
    /// Output width: `(W + 2·padW − kW) / strideW + 1`.
    @inlinable public var outW: Int { (width + 2 * padW - kernelW) / strideW + 1 }
    /// Rows of the column matrix: `C · kH · kW`.
    @inlinable public var patchSize: Int { channels * kernelH * kernelW }
    /// Output positions per image: `outH · outW`.
    @inlinable public var outPositions: Int { outH * outW }
    /// Input elements per image: `C · H · W`.
    @inlinable public var inputSize: Int { channels * height * width }
}

/// im2col / col2im for one image, generic over the element type so the integer simulator can use
/// the same layout. The column matrix has `patchSize` rows and `outPositions` columns, row-major
/// with row stride `ld` (so several images can share one wide matrix, image `n` starting at
/// column `n · outPositions`). Channel planes of the image are `channelStride` elements apart:
/// `H·W` for NCHW images, `N·H·W` for one image of a CNHW batch.
public enum Im2col {
    /// Unfolds one `C×H×W` image into columns; padded positions get `padValue`.
    @inlinable
    public static func unfold<T>(
        _ g: ConvGeometry, image: UnsafePointer<T>,
        channelStride: Int? = nil,
        columns: UnsafeMutablePointer<T>, ld: Int, padValue: T
    ) {
        let oh = g.outH, ow = g.outW
        let cs = channelStride ?? g.height * g.width
        var row = 0
        for c in 0..<g.channels {
            let plane = image + c * cs
            for ky in 0..<g.kernelH {
                for kx in 0..<g.kernelW {
                    let dst = columns + row * ld
                    for oy in 0..<oh {
                        let iy = oy * g.strideH - g.padH + ky
                        let d = dst + oy * ow
                        if iy < 0 || iy >= g.height {
                            for ox in 0..<ow { d[ox] = padValue }
                            continue
                        }
                        let src = plane + iy * g.width
                        if g.strideW == 1 {
                            let shift = kx - g.padW
                            let lo = max(0, -shift), hi = min(ow, g.width - shift)
                            for ox in 0..<min(lo, ow) { d[ox] = padValue }
                            if lo < hi { let s = src + shift; for ox in lo..<hi { d[ox] = s[ox] } }
                            for ox in max(hi, min(lo, ow))..<ow { d[ox] = padValue }
                        } else {
                            for ox in 0..<ow {
                                let ix = ox * g.strideW - g.padW + kx
                                d[ox] = (ix >= 0 && ix < g.width) ? src[ix] : padValue
                            }
                        }
                    }
                    row += 1
                }
            }
        }
    }

    /// Folds columns back into one `C×H×W` image, adding overlapping contributions to `image`
    /// (the caller zeroes it first when it wants a fresh gradient).
    @inlinable
    public static func fold(
        _ g: ConvGeometry, columns: UnsafePointer<Float>, ld: Int,
        image: UnsafeMutablePointer<Float>, channelStride: Int? = nil
    ) {
        let oh = g.outH, ow = g.outW
        let cs = channelStride ?? g.height * g.width
        var row = 0
        for c in 0..<g.channels {
            let plane = image + c * cs
            for ky in 0..<g.kernelH {
                for kx in 0..<g.kernelW {
                    let src = columns + row * ld
                    for oy in 0..<oh {
                        let iy = oy * g.strideH - g.padH + ky
                        if iy < 0 || iy >= g.height { continue }
                        let s = src + oy * ow
                        let dst = plane + iy * g.width
                        if g.strideW == 1 {
                            let shift = kx - g.padW
                            let lo = max(0, -shift), hi = min(ow, g.width - shift)
                            if lo < hi { for ox in lo..<hi { dst[ox + shift] += s[ox] } }
                        } else {
                            for ox in 0..<ow {
                                let ix = ox * g.strideW - g.padW + kx
                                if ix >= 0 && ix < g.width { dst[ix] += s[ox] }
                            }
                        }
                    }
                    row += 1
                }
            }
        }
    }
}
