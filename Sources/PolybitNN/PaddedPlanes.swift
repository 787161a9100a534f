import PolybitTensor

/// One image's channel planes, zero-padded, for a stride-1 "same" convolution computed as an
/// implicit GEMM (no im2col panel).
///
/// Each plane is `(H + 2·pad)` rows of `rowStride = W + pad` floats plus zero slack: the `pad`
/// zero columns after a row are both its right padding and the next row's left padding. The output
/// is computed over the *grid* `q = y·rowStride + x` (`x < rowStride`; the columns `x ≥ W` are
/// discarded), which reads input tap `(ky, kx)` at plane offset `q + ky·rowStride + kx`: every row
/// of the implicit column matrix is the plane itself, shifted. The grid length is rounded up to a
/// multiple of 8 for the SIMD kernels. Sharing the padding columns keeps the discarded share of
/// the grid at `pad / (W + pad)` (a 7×7 plane: 12.5% instead of 22% with `W + 2·pad`).
///
/// The same buffer seen from `pad·(rowStride + 1)` on is the image on the grid, with zeros in the
/// discarded columns: the layout of a conv output gradient in the weight-gradient product.
struct PaddedPlanes {
    let height: Int, width: Int, kernel: Int, pad: Int
    /// Floats per padded row: `W + pad`.
    let rowStride: Int
    /// Grid positions per plane: `H·rowStride` rounded up to a multiple of 8.
    let gridLength: Int
    /// Floats per padded plane, slack included.
    let planeSize: Int

    init(height: Int, width: Int, kernel: Int) {
        precondition(kernel % 2 == 1, "padded planes need an odd kernel")
        self.height = height; self.width = width; self.kernel = kernel
        pad = (kernel - 1) / 2
        rowStride = width + pad
        gridLength = (height * rowStride + 7) & ~7
        planeSize = gridLength + (kernel - 1) * (rowStride + 1)
    }

    /// Offset of the grid view from the start of a plane.
    var gridOffset: Int { pad * (rowStride + 1) }

    /// Row offsets of the implicit column matrix of `channels` planes, in (c, ky, kx) order.
    func tapOffsets(channels: Int) -> [Int] {
        var offsets = [Int]()
        offsets.reserveCapacity(channels * kernel * kernel)
        for c in 0..<channels {
            for ky in 0..<kernel { for kx in 0..<kernel { offsets.append(c * planeSize + ky * rowStride + kx) } }
        }
        return offsets
    }

    /// Writes `channels` planes of `H×W` (plane `c` at `image + c·channelStride`) into the interior
    /// of zeroed padded planes at `planes`; the padding is never written, so it stays zero.
    func scatter(
        _ image: UnsafePointer<Float>, channels: Int, channelStride: Int,
        into planes: UnsafeMutablePointer<Float>
    ) {
        for c in 0..<channels {
            let src = image + c * channelStride, dst = planes + c * planeSize + gridOffset
            for y in 0..<height { copyRow(src + y * width, to: dst + y * rowStride, count: width) }
        }
    }

    /// Copies the kept columns of `rows` grid rows (row `r` at `grid + r·gridLength`) into `H×W`
    /// planes at `image + r·channelStride`.
    func gather(
        _ grid: UnsafePointer<Float>, rows: Int, into image: UnsafeMutablePointer<Float>,
        channelStride: Int
    ) {
        for r in 0..<rows {
            let src = grid + r * gridLength, dst = image + r * channelStride
            for y in 0..<height { copyRow(src + y * rowStride, to: dst + y * width, count: width) }
        }
    }

    /// Zeroed scratch for `planes` padded planes.
    func allocatePlanes(_ planes: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: planes * planeSize)
        p.initialize(repeating: 0, count: planes * planeSize)
        return p
    }
}

/// Copies one row of `count` floats with SIMD8 moves (the last one overlapping), touching nothing
/// outside the row: conv rows are short (7–32 floats), where a `memmove` call costs more than the
/// copy.
@inline(__always)
func copyRow(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, count: Int) {
    guard count >= 8 else {
        for x in 0..<count { dst[x] = src[x] }
        return
    }
    var x = 0
    while x < count {
        let at = min(x, count - 8)
        UnsafeMutableRawPointer(dst + at).storeBytes(
            of: UnsafeRawPointer(src + at).loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
        x += 8
    }
}
