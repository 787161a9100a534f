import PolybitTensor

/// Winograd F(2×2, 3×3) (Lavin & Gray, CVPR 2016) for stride-1, padding-1 3×3 convolutions:
/// each 2×2 output tile is `Aᵀ[(G·w·Gᵀ) ⊙ (Bᵀ·d·B)]A` for the 4×4 input patch `d` around it, so
/// a convolution becomes 16 GEMMs (one per tile position ξ) of `[O, C]·[C, tiles]`: 16 multiplies
/// per 4 outputs and input channel instead of 36.
///
/// Layouts. Transformed weights `U[ξ][o][c]`; transformed inputs `V[ξ][c][t]` and products
/// `M[ξ][o][t]` with rows `rowStride` floats apart, where tile `t` runs over the images of a group,
/// then tile rows, then tile columns. The transforms work on eight tiles of a tile row at once
/// (SIMD8 lanes); lanes past the row's end spill into the next row and are overwritten when that
/// row is written (the last spill lands in the rows' 8-float slack).
struct WinogradTiles {
    typealias V8 = SIMD8<Float>
    typealias V16 = SIMD16<Float>

    let height: Int, width: Int
    /// Tiles per row and column: `⌈W/2⌉`, `⌈H/2⌉`.
    let tilesW: Int, tilesH: Int
    /// Floats per row of the zero-padded input plane (`2·tilesW + 2`); pixel `(y, x)` sits at
    /// padded `(y + 1, x + 1)`.
    let paddedRowStride: Int
    /// Floats per padded plane, with slack for the last SIMD16 reads.
    let paddedPlaneSize: Int
    /// Floats per row of an output grid (`2·tilesW` rounded up to 16, so 16-float stores stay in
    /// their row).
    let gridRowStride: Int

    init(height: Int, width: Int) {
        self.height = height; self.width = width
        tilesW = (width + 1) / 2; tilesH = (height + 1) / 2
        paddedRowStride = 2 * tilesW + 2
        paddedPlaneSize = (2 * tilesH + 2) * paddedRowStride + 32
        gridRowStride = (2 * tilesW + 15) & ~15
    }

    /// Tiles per image.
    var tiles: Int { tilesW * tilesH }
    /// Floats per output grid (`2·tilesH` rows).
    var gridSize: Int { 2 * tilesH * gridRowStride }

    /// Zeroed padded planes (`count` of them); `pad` writes only their interiors.
    func allocatePadded(_ count: Int) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutablePointer<Float>.allocate(capacity: count * paddedPlaneSize)
        p.initialize(repeating: 0, count: count * paddedPlaneSize)
        return p
    }

    /// Copies an `H×W` plane into the interior of a zeroed padded plane.
    func pad(_ plane: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>) {
        for y in 0..<height {
            copyRow(plane + y * width, to: padded + (y + 1) * paddedRowStride + 1, count: width)
        }
    }

    /// `V[ξ][t0 + t] = (Bᵀ·d_t·B)[ξ]` for every tile `t` of one padded plane, with position `ξ`'s row at
    /// `v + ξ·positionStride`.
    func transformInput(
        _ padded: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>,
        positionStride: Int
    ) {
        let s = paddedRowStride
        for ty in 0..<tilesH {
            let r0 = padded + 2 * ty * s
            var tx = 0
            while tx < tilesW {
                // Horizontal Bᵀ on rows 0–3 of the patches: columns 2tx…2tx+3 are the even and odd
                // lanes of two SIMD16 loads.
                let (a0, a1, a2, a3) = Self.rowTransform(r0 + 2 * tx)
                let (b0, b1, b2, b3) = Self.rowTransform(r0 + s + 2 * tx)
                let (c0, c1, c2, c3) = Self.rowTransform(r0 + 2 * s + 2 * tx)
                let (d0, d1, d2, d3) = Self.rowTransform(r0 + 3 * s + 2 * tx)
                let out = v + ty * tilesW + tx
                // Vertical Bᵀ: rows (a − c, b + c, c − b, b − d).
                Self.store(a0 - c0, out); Self.store(a1 - c1, out + positionStride)
                Self.store(a2 - c2, out + 2 * positionStride); Self.store(a3 - c3, out + 3 * positionStride)
                Self.store(b0 + c0, out + 4 * positionStride); Self.store(b1 + c1, out + 5 * positionStride)
                Self.store(b2 + c2, out + 6 * positionStride); Self.store(b3 + c3, out + 7 * positionStride)
                Self.store(c0 - b0, out + 8 * positionStride); Self.store(c1 - b1, out + 9 * positionStride)
                Self.store(c2 - b2, out + 10 * positionStride); Self.store(c3 - b3, out + 11 * positionStride)
                Self.store(b0 - d0, out + 12 * positionStride); Self.store(b1 - d1, out + 13 * positionStride)
                Self.store(b2 - d2, out + 14 * positionStride); Self.store(b3 - d3, out + 15 * positionStride)
                tx += 8
            }
        }
    }

    /// `Bᵀ` along a padded row for eight consecutive tiles: `(d0 − d2, d1 + d2, d2 − d1, d1 − d3)`.
    @inline(__always)
    private static func rowTransform(_ p: UnsafePointer<Float>) -> (V8, V8, V8, V8) {
        let lo = UnsafeRawPointer(p).loadUnaligned(as: V16.self)
        let hi = UnsafeRawPointer(p + 2).loadUnaligned(as: V16.self)
        let d0 = lo.evenHalf, d1 = lo.oddHalf, d2 = hi.evenHalf, d3 = hi.oddHalf
        return (d0 - d2, d1 + d2, d2 - d1, d1 - d3)
    }

    @inline(__always)
    private static func store(_ x: V8, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: x, as: V8.self)
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> V8 {
        UnsafeRawPointer(p).loadUnaligned(as: V8.self)
    }

    /// The 2×2 outputs `Aᵀ·m_t·A` of one row's tiles (`m` at `m + ξ·positionStride`) into an
    /// output grid (row `y` at `grid + y·gridRowStride`).
    func transformOutput(_ m: UnsafePointer<Float>, positionStride: Int, into grid: UnsafeMutablePointer<Float>) {
        let ps = positionStride
        for ty in 0..<tilesH {
            var tx = 0
            while tx < tilesW {
                let p = m + ty * tilesW + tx
                // Aᵀ along the rows of m: (m0 + m1 + m2, m1 − m2 − m3) for each column j.
                var t0 = (V8(), V8(), V8(), V8()), t1 = t0
                let m0 = (Self.load(p), Self.load(p + ps), Self.load(p + 2 * ps), Self.load(p + 3 * ps))
                let m1 = (Self.load(p + 4 * ps), Self.load(p + 5 * ps), Self.load(p + 6 * ps), Self.load(p + 7 * ps))
                let m2 = (Self.load(p + 8 * ps), Self.load(p + 9 * ps), Self.load(p + 10 * ps), Self.load(p + 11 * ps))
                let m3 = (
                    Self.load(p + 12 * ps), Self.load(p + 13 * ps), Self.load(p + 14 * ps), Self.load(p + 15 * ps)
                )
                t0 = (m0.0 + m1.0 + m2.0, m0.1 + m1.1 + m2.1, m0.2 + m1.2 + m2.2, m0.3 + m1.3 + m2.3)
                t1 = (m1.0 - m2.0 - m3.0, m1.1 - m2.1 - m3.1, m1.2 - m2.2 - m3.2, m1.3 - m2.3 - m3.3)
                var top = V16(), bottom = V16()
                top.evenHalf = t0.0 + t0.1 + t0.2; top.oddHalf = t0.1 - t0.2 - t0.3
                bottom.evenHalf = t1.0 + t1.1 + t1.2; bottom.oddHalf = t1.1 - t1.2 - t1.3
                let out = grid + 2 * ty * gridRowStride + 2 * tx
                UnsafeMutableRawPointer(out).storeBytes(of: top, as: V16.self)
                UnsafeMutableRawPointer(out + gridRowStride).storeBytes(of: bottom, as: V16.self)
                tx += 8
            }
        }
    }

    /// Copies the `H×W` interior of an output grid into a plane.
    func crop(_ grid: UnsafePointer<Float>, into plane: UnsafeMutablePointer<Float>) {
        for y in 0..<height {
            copyRow(grid + y * gridRowStride, to: plane + y * width, count: width)
        }
    }

    /// Copies an `H×W` plane into a zeroed output grid (the inverse of `crop`); the grid's other
    /// rows and columns are never written, so they stay zero.
    func place(_ plane: UnsafePointer<Float>, into grid: UnsafeMutablePointer<Float>) {
        for y in 0..<height {
            copyRow(plane + y * width, to: grid + y * gridRowStride, count: width)
        }
    }

    /// `dM[ξ][t0 + t] = (A·dy_t·Aᵀ)[ξ]` for every 2×2 tile `dy_t` of an output-gradient grid: the
    /// transpose of `transformOutput`. Lanes past a row's end read the grid's zero columns.
    func transformGradient(
        _ grid: UnsafePointer<Float>, into dm: UnsafeMutablePointer<Float>,
        positionStride: Int
    ) {
        let ps = positionStride
        for ty in 0..<tilesH {
            var tx = 0
            while tx < tilesW {
                let row = grid + 2 * ty * gridRowStride + 2 * tx
                let top = UnsafeRawPointer(row).loadUnaligned(as: V16.self)
                let bottom = UnsafeRawPointer(row + gridRowStride).loadUnaligned(as: V16.self)
                // A·g along each row: (g0, g0 + g1, g0 − g1, −g1).
                let h0 = Self.expand(top.evenHalf, top.oddHalf), h1 = Self.expand(bottom.evenHalf, bottom.oddHalf)
                let out = dm + ty * tilesW + tx
                // Then down the columns: rows (h0, h0 + h1, h0 − h1, −h1).
                Self.store(h0.0, out); Self.store(h0.1, out + ps); Self.store(h0.2, out + 2 * ps);
                Self.store(h0.3, out + 3 * ps)
                Self.store(h0.0 + h1.0, out + 4 * ps); Self.store(h0.1 + h1.1, out + 5 * ps)
                Self.store(h0.2 + h1.2, out + 6 * ps); Self.store(h0.3 + h1.3, out + 7 * ps)
                Self.store(h0.0 - h1.0, out + 8 * ps); Self.store(h0.1 - h1.1, out + 9 * ps)
                Self.store(h0.2 - h1.2, out + 10 * ps); Self.store(h0.3 - h1.3, out + 11 * ps)
                Self.store(-h1.0, out + 12 * ps); Self.store(-h1.1, out + 13 * ps)
                Self.store(-h1.2, out + 14 * ps); Self.store(-h1.3, out + 15 * ps)
                tx += 8
            }
        }
    }

    @inline(__always)
    private static func expand(_ g0: V8, _ g1: V8) -> (V8, V8, V8, V8) { (g0, g0 + g1, g0 - g1, -g1) }

    /// `U[ξ][o][c] = (G·w_oc·Gᵀ)[ξ]` for weights `[O, C, 3, 3]`, with G's rows (1, 0, 0),
    /// (½, ½, ½), (½, −½, ½), (0, 0, 1).
    static func transformWeights(
        _ w: UnsafePointer<Float>, outChannels: Int, inChannels: Int,
        into u: UnsafeMutablePointer<Float>
    ) {
        let oc = outChannels * inChannels
        for i in 0..<oc {
            let g = w + 9 * i
            // Column j of G·g, then U's column j = G applied to the rows of G·g: lane r is row r.
            func gColumn(_ j: Int) -> SIMD4<Float> {
                let (a, b, c) = (g[j], g[3 + j], g[6 + j])
                return SIMD4(a, 0.5 * (a + b + c), 0.5 * (a - b + c), c)
            }
            let g0 = gColumn(0), g1 = gColumn(1), g2 = gColumn(2)
            let columns = (g0, 0.5 * (g0 + g1 + g2), 0.5 * (g0 - g1 + g2), g2)
            for r in 0..<4 {
                u[4 * r * oc + i] = columns.0[r]
                u[(4 * r + 1) * oc + i] = columns.1[r]
                u[(4 * r + 2) * oc + i] = columns.2[r]
                u[(4 * r + 3) * oc + i] = columns.3[r]
            }
        }
    }

    /// `dw_oc = Gᵀ·dU_oc·G` for `dU[ξ][o][c]` (`16·O·C` floats), written as weights `[O, C, 3, 3]`:
    /// the gradient of `transformWeights`.
    static func weightGradient(
        of du: UnsafePointer<Float>, outChannels: Int, inChannels: Int,
        into dw: UnsafeMutablePointer<Float>
    ) {
        let oc = outChannels * inChannels
        for i in 0..<oc {
            // Row r of dU (lane j is column j), then Gᵀ down the columns: rows of Gᵀ·dU.
            func duRow(_ r: Int) -> SIMD4<Float> {
                SIMD4(du[4 * r * oc + i], du[(4 * r + 1) * oc + i], du[(4 * r + 2) * oc + i], du[(4 * r + 3) * oc + i])
            }
            let d0 = duRow(0), d1 = duRow(1), d2 = duRow(2), d3 = duRow(3)
            // Then ·G along each row: (a + ½(b + c), ½(b − c), ½(b + c) + d).
            func store(_ t: SIMD4<Float>, row k: Int) {
                dw[9 * i + 3 * k] = t[0] + 0.5 * (t[1] + t[2])
                dw[9 * i + 3 * k + 1] = 0.5 * (t[1] - t[2])
                dw[9 * i + 3 * k + 2] = 0.5 * (t[1] + t[2]) + t[3]
            }
            store(d0 + 0.5 * (d1 + d2), row: 0)
            store(0.5 * (d1 - d2), row: 1)
            store(0.5 * (d1 + d2) + d3, row: 2)
        }
    }
}

/// A 3×3, stride-1, padding-1 convolution by Winograd F(2×2, 3×3) over CNHW planes, one worker's
/// images at a time; scratch sized for `group` images is allocated per call.
struct WinogradConvolution {
    let tiles: WinogradTiles
    let inChannels: Int, outChannels: Int
    /// Images transformed and multiplied together (about 256 tiles per GEMM).
    let group: Int

    init(height: Int, width: Int, inChannels: Int, outChannels: Int) {
        tiles = WinogradTiles(height: height, width: width)
        self.inChannels = inChannels; self.outChannels = outChannels
        group = max(1, 256 / tiles.tiles)
    }

    /// Floats per row of `V`, `M` and `dM` for a group: its tiles rounded up to 8, plus 8 of slack.
    private var rowStride: Int { ((group * tiles.tiles + 7) & ~7) + 8 }

    /// Floats from one tile position's `rows` rows (of `rowStride`) to the next: an odd number of
    /// 64-byte lines, so a tile's 16 positions fall in different L1 sets (with `rows·rowStride` a
    /// multiple of 4 KiB they would all share one).
    private func positionStride(rows: Int) -> Int { 16 * (((rows * rowStride + 15) / 16) | 1) }

    /// `U` for weights `[O, C, 3, 3]`: `16·O·C` floats.
    func transformedWeights(_ w: UnsafePointer<Float>) -> [Float] {
        [Float](unsafeUninitializedCapacity: 16 * outChannels * inChannels) { u, count in
            WinogradTiles.transformWeights(w, outChannels: outChannels, inChannels: inChannels, into: u.baseAddress!)
            count = u.count
        }
    }

    /// `V` of a group: every channel plane of `images` (the group's tiles in order) padded in the
    /// zeroed scratch `padded` and transformed into `v` (rows `rowStride` apart, positions
    /// `positionStride(rows: C)`).
    private func transformInputs(
        _ x: UnsafePointer<Float>, images: Range<Int>, channelStride: Int,
        padded: UnsafeMutablePointer<Float>, into v: UnsafeMutablePointer<Float>
    ) {
        let plane = tiles.height * tiles.width, rowStride = rowStride, vStride = positionStride(rows: inChannels)
        for (member, image) in images.enumerated() {
            for ch in 0..<inChannels {
                tiles.pad(x + ch * channelStride + image * plane, into: padded)
                tiles.transformInput(
                    padded, into: v + ch * rowStride + member * tiles.tiles,
                    positionStride: vStride)
            }
        }
    }

    /// `y[o, i] = Σ_c conv(x[c, i], w[o, c])` for the images `images`, with `x` plane `(c, i)` at
    /// `x + c·channelStride + i·H·W` and `y` plane `(o, i)` at `y + o·channelStride + i·H·W`
    /// (`channelStride` = N·H·W), given `u = transformedWeights(w)`.
    func forward(
        x: UnsafePointer<Float>, u: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
        channelStride: Int, images: Range<Int>
    ) {
        let plane = tiles.height * tiles.width, c = inChannels, o = outChannels
        let rowStride = rowStride, vStride = positionStride(rows: c), mStride = positionStride(rows: o)
        let padded = tiles.allocatePadded(1)
        let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * vStride)
        let m = UnsafeMutablePointer<Float>.allocate(capacity: 16 * mStride)
        let grid = UnsafeMutablePointer<Float>.allocate(capacity: tiles.gridSize)
        v.initialize(repeating: 0, count: 16 * vStride)
        m.initialize(repeating: 0, count: 16 * mStride)
        defer { padded.deallocate(); v.deallocate(); m.deallocate(); grid.deallocate() }
        var first = images.lowerBound
        while first < images.upperBound {
            let members = min(group, images.upperBound - first)
            transformInputs(
                x, images: first..<(first + members), channelStride: channelStride, padded: padded,
                into: v)
            let columns = (members * tiles.tiles + 7) & ~7
            for xi in 0..<16 {
                MicroGemm.nn(
                    m: o, n: columns, k: c, a: u + xi * o * c, aRow: c, aCol: 1,
                    b: v + xi * vStride, ldb: rowStride,
                    c: m + xi * mStride, ldc: rowStride, accumulate: false)
            }
            for member in 0..<members {
                for oc in 0..<o {
                    tiles.transformOutput(
                        m + oc * rowStride + member * tiles.tiles, positionStride: mStride,
                        into: grid)
                    tiles.crop(grid, into: y + oc * channelStride + (first + member) * plane)
                }
            }
            first += members
        }
    }

    /// `dU[ξ] += Σ_t dM[ξ][·][t]·V[ξ][·][t]ᵀ` over the images `images` (layouts as in `forward`, `dy`
    /// the output gradient): the transformed weight gradient, `16·O·C` floats at `du`; map it back
    /// with `WinogradTiles.weightGradient(of:)` once all images are summed.
    func accumulateWeightGradient(
        x: UnsafePointer<Float>, dy: UnsafePointer<Float>, channelStride: Int,
        images: Range<Int>, du: UnsafeMutablePointer<Float>
    ) {
        let plane = tiles.height * tiles.width, c = inChannels, o = outChannels
        let rowStride = rowStride, vStride = positionStride(rows: c), mStride = positionStride(rows: o)
        let padded = tiles.allocatePadded(1)
        let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * vStride)
        let dm = UnsafeMutablePointer<Float>.allocate(capacity: 16 * mStride)
        let grid = UnsafeMutablePointer<Float>.allocate(capacity: tiles.gridSize)
        grid.initialize(repeating: 0, count: tiles.gridSize)
        v.initialize(repeating: 0, count: 16 * vStride)
        defer { padded.deallocate(); v.deallocate(); dm.deallocate(); grid.deallocate() }
        var first = images.lowerBound
        while first < images.upperBound {
            let members = min(group, images.upperBound - first)
            transformInputs(
                x, images: first..<(first + members), channelStride: channelStride, padded: padded,
                into: v)
            for member in 0..<members {
                for oc in 0..<o {
                    tiles.place(dy + oc * channelStride + (first + member) * plane, into: grid)
                    tiles.transformGradient(
                        grid, into: dm + oc * rowStride + member * tiles.tiles,
                        positionStride: mStride)
                }
            }
            // The products run over whole 8-column steps (no scalar tail): dM's columns past the last
            // tile are zeroed, and V's hold finite values (zeros, or an earlier group's).
            let used = members * tiles.tiles, columns = (used + 7) & ~7
            for xi in 0..<16 {
                for oc in 0..<o {
                    (dm + xi * mStride + oc * rowStride + used).update(repeating: 0, count: columns - used)
                }
            }
            for xi in 0..<16 {
                MicroGemm.nt(
                    m: o, n: c, k: columns, a: dm + xi * mStride, lda: rowStride,
                    rows: StridedRows(base: v + xi * vStride, stride: rowStride),
                    c: du + xi * o * c, ldc: c, accumulate: true)
            }
            first += members
        }
    }
}
