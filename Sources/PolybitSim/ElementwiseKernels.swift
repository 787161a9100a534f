/// Integer kernels of the layers that are not GEMMs. Tensors are `n` images, NCHW, Int32.
enum ElementwiseKernels {
    /// Residual add (see `AddRescale` for the arithmetic of each mode).
    static func add(
        _ a: UnsafePointer<Int32>, _ qa: Quantization, _ b: UnsafePointer<Int32>,
        _ qb: Quantization, count: Int, rescale: AddRescale, output q: Quantization,
        mode: RequantMode, into y: UnsafeMutablePointer<Int32>
    ) {
        let za = Int32(qa.zeroPoint), zb = Int32(qb.zeroPoint), zy = Int32(q.zeroPoint)
        let lo = Int32(q.qmin), hi = Int32(q.qmax)
        if mode == .onnx {
            let sa = Float(qa.scale), sb = Float(qb.scale), sy = Float(q.scale)
            let flo = Float(lo - zy), fhi = Float(hi - zy)
            for i in 0..<count {
                let va = Float(a[i] - za) * sa
                let vb = Float(b[i] - zb) * sb
                let v = min(max((va + vb) / sy, flo), fhi)
                y[i] = Int32(v.rounded(.toNearestOrEven)) + zy
            }
            return
        }
        let ma = rescale.inputs[0], mb = rescale.inputs[1], mo = rescale.output
        let left = Int64(rescale.leftShift)
        for i in 0..<count {
            let ra = Requant.fixedPoint(
                Int64(a[i] - za) << left, fractionBits: 0,
                multiplier: ma.multiplier, shift: ma.shift, mode: mode)
            let rb = Requant.fixedPoint(
                Int64(b[i] - zb) << left, fractionBits: 0,
                multiplier: mb.multiplier, shift: mb.shift, mode: mode)
            y[i] = Requant.apply(
                ra + rb, fractionBits: 0, mode: mode, scale: 0,
                multiplier: mo.multiplier, shift: mo.shift, zeroPoint: zy, qmin: lo, qmax: hi)
        }
    }

    /// `min(max(x, lo), hi)` element-wise (ReLU is `lo = zeroPoint, hi = qmax`).
    static func clamp(
        _ x: UnsafePointer<Int32>, count: Int, lo: Int32, hi: Int32,
        into y: UnsafeMutablePointer<Int32>
    ) {
        for i in 0..<count { y[i] = min(max(x[i], lo), hi) }
    }

    /// Max over each window; padded positions are skipped.
    static func maxpool(
        _ x: UnsafePointer<Int32>, n: Int, shape: [Int], window w: PoolWindow,
        into y: UnsafeMutablePointer<Int32>
    ) {
        let c = shape[0], h = shape[1], wd = shape[2]
        let oh = (h + 2 * w.padding[0] - w.kernel[0]) / w.stride[0] + 1
        let ow = (wd + 2 * w.padding[1] - w.kernel[1]) / w.stride[1] + 1
        var out = 0
        for plane in 0..<(n * c) {
            let src = x + plane * h * wd
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var m = Int32.min
                    for ky in 0..<w.kernel[0] {
                        let iy = oy * w.stride[0] - w.padding[0] + ky
                        if iy < 0 || iy >= h { continue }
                        for kx in 0..<w.kernel[1] {
                            let ix = ox * w.stride[1] - w.padding[1] + kx
                            if ix >= 0 && ix < wd { m = max(m, src[iy * wd + ix]) }
                        }
                    }
                    y[out] = m; out += 1
                }
            }
        }
    }

    /// Window sums of `x − zp` (padding contributes 0), requantized with channel 0 of `requant`.
    /// A global pool is a window covering the whole plane. Window sums are recorded in `sums`
    /// (same layout as the output) for traces.
    static func avgpool(
        _ x: UnsafePointer<Int32>, n: Int, shape: [Int], window w: PoolWindow,
        input q: Quantization, requant r: Requantization, output qo: Quantization,
        mode: RequantMode, into y: UnsafeMutablePointer<Int32>, sums: UnsafeMutablePointer<Int64>?
    ) {
        let c = shape[0], h = shape[1], wd = shape[2], zp = Int64(q.zeroPoint)
        let oh = (h + 2 * w.padding[0] - w.kernel[0]) / w.stride[0] + 1
        let ow = (wd + 2 * w.padding[1] - w.kernel[1]) / w.stride[1] + 1
        let zo = Int32(qo.zeroPoint), lo = Int32(qo.qmin), hi = Int32(qo.qmax)
        var out = 0
        for plane in 0..<(n * c) {
            let src = x + plane * h * wd
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var s: Int64 = 0
                    for ky in 0..<w.kernel[0] {
                        let iy = oy * w.stride[0] - w.padding[0] + ky
                        if iy < 0 || iy >= h { continue }
                        for kx in 0..<w.kernel[1] {
                            let ix = ox * w.stride[1] - w.padding[1] + kx
                            if ix >= 0 && ix < wd { s += Int64(src[iy * wd + ix]) - zp }
                        }
                    }
                    sums?[out] = s
                    y[out] = Requant.apply(
                        s, fractionBits: 0, mode: mode, scale: r.scale[0],
                        multiplier: r.multiplier[0], shift: r.shift[0],
                        zeroPoint: zo, qmin: lo, qmax: hi)
                    out += 1
                }
            }
        }
    }
}
