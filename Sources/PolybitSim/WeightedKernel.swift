import PolybitTensor

/// How a conv or linear layer's sums are computed.
public enum KernelPath: String, Sendable, Codable {
    /// float32 GEMM: every partial sum is an integer below 2^24, so it is exact.
    case float32GEMM = "float32-gemm"
    /// float64 GEMM: every partial sum is an integer below 2^53.
    case float64GEMM = "float64-gemm"
    /// Integer multiply-accumulate emulating the accumulator width and overflow mode.
    case integer
    /// Not a GEMM layer (add, pooling, clamp, flatten).
    case elementwise
}

/// Overflow counts of one layer.
public struct OverflowCounts: Sendable, Equatable, Codable {
    /// Adds (bias load included) whose exact result left the accumulator range.
    public var events: Int = 0
    /// Accumulators (one per output value) that overflowed at least once.
    public var outputs: Int = 0

    public init(events: Int = 0, outputs: Int = 0) { self.events = events; self.outputs = outputs }

    static func += (a: inout OverflowCounts, b: OverflowCounts) {
        a.events += b.events; a.outputs += b.outputs
    }
}

/// Where a kernel records accumulators for a trace: `accumulator[n][o][p]` (the requant input T)
/// and `windowSum[n][p]` (Σ of centered inputs per output position).
final class AccumulatorCapture {
    var accumulator: [Int64] = []
    var windowSum: [Int64] = []
}

/// A conv or linear layer prepared for execution: weights as GEMM rows, the bounds that choose
/// the path, requantization expanded per channel.
struct WeightedPlan: Sendable {
    let geometry: ConvGeometry
    let outChannels: Int
    let path: KernelPath
    let weightsF: [Float]  // (O + e) × K, e = 1 extra row of ones when zc is present
    let weightsD: [Double]
    let weightsI: [Int32]  // O × K
    let bias: [Int64]
    let zc: [Int64]?
    let biasFraction: [Int64]?
    let fractionBits: Int
    let inZeroPoint: Int32
    let scale: [Float], multiplier: [Int32], shift: [Int32]
    let outZeroPoint: Int32, qmin: Int32, qmax: Int32
    let mode: RequantMode
    let accumulator: AccumulatorModel
    /// True when the accumulator is at most 31 bits and every product is below 2^30 in magnitude,
    /// so each add fits Int32 before it is wrapped or saturated (8-lane vector loops).
    let int32Accumulate: Bool

    var patchSize: Int { geometry.patchSize }
    var positions: Int { geometry.outPositions }

    init(
        _ w: WeightedLayer, inputShape: [Int], input: Quantization, output: Quantization,
        config: SimulationConfig, isConv: Bool
    ) throws {
        geometry =
            isConv
            ? ConvGeometry(
                channels: inputShape[0], height: inputShape[1], width: inputShape[2],
                kernelH: w.weightShape[2], kernelW: w.weightShape[3],
                strideH: w.stride[0], strideW: w.stride[1], padH: w.padding[0], padW: w.padding[1])
            : ConvGeometry(channels: w.weightShape[1], height: 1, width: 1, kernel: 1)
        let o = w.outChannels, k = geometry.patchSize
        outChannels = o
        let maxW = Double(w.weights.lazy.map { abs(Int($0)) }.max() ?? 0)
        let maxX = Double(input.maxCentered)
        let maxBias = Double(w.bias.lazy.map { abs(Int($0)) }.max() ?? 0)
        // Every partial sum of a GEMM row is bounded by K·max|q|·max|x'| (the ones row by K·max|x'|).
        let partial = Double(k) * max(maxW, w.zc == nil ? 0 : 1) * maxX
        let noOverflow = partial + maxBias <= Double(config.accumulator.maxValue)
        if config.fastPath && noOverflow && partial < 16_777_216 {
            path = .float32GEMM
        } else if config.fastPath && noOverflow && partial < 9_007_199_254_740_992 {
            path = .float64GEMM
        } else {
            path = .integer
        }
        // T = 2^F·acc + Z·S must fit Int64.
        let maxZ = Double(w.zc?.lazy.map { abs($0) }.max() ?? 0)
        let accBound = min(Double(config.accumulator.maxValue), partial + maxBias)
        let tBound = accBound * Double(1 << w.zcFractionBits) + maxZ * Double(k) * maxX + Double(1 << w.zcFractionBits)
        guard tBound < 4.6e18 else {
            throw InputError(
                "accumulator plus bias-correction term can exceed 64 bits (bound \(tBound)); use fewer zc_fraction_bits or a narrower accumulator"
            )
        }
        weightsI = w.weights
        var rows = w.weights.map { Float($0) }
        if w.zc != nil { rows += [Float](repeating: 1, count: k) }
        weightsF = path == .float32GEMM ? rows : []
        weightsD = path == .float64GEMM ? rows.map { Double($0) } : []
        bias = w.bias.map { Int64($0) }
        zc = w.zc
        biasFraction = w.biasFraction
        fractionBits = w.zcFractionBits
        inZeroPoint = Int32(input.zeroPoint)
        func expand<T>(_ v: [T]) -> [T] { v.count == 1 ? [T](repeating: v[0], count: o) : v }
        scale = expand(w.requant.scale); multiplier = expand(w.requant.multiplier); shift = expand(w.requant.shift)
        outZeroPoint = Int32(output.zeroPoint); qmin = Int32(output.qmin); qmax = Int32(output.qmax)
        mode = config.requant
        accumulator = config.accumulator
        int32Accumulate = config.accumulator.bits <= 31 && maxW * maxX < 1_073_741_824
    }

    /// Runs `n` images: `input` is `n × C·H·W` (or `n × I`), `output` is `n × O × P`.
    func run(
        input: UnsafePointer<Int32>, n: Int, output: UnsafeMutablePointer<Int32>,
        scratch: Scratch, counts: inout OverflowCounts, capture: AccumulatorCapture?
    ) {
        let k = patchSize, p = positions, np = n * p, o = outChannels
        let e = zc == nil ? 0 : 1
        let imageSize = geometry.inputSize
        // Sums: O(+1) rows × np, exact integers.
        let sums = scratch.buffer(0, (o + e) * np, as: Int64.self)
        switch path {
        case .float32GEMM, .float64GEMM:
            if path == .float32GEMM {
                let cols = scratch.buffer(1, k * np, as: Float.self)
                let out = scratch.buffer(3, (o + e) * np, as: Float.self)
                for i in 0..<n {
                    CenteredIm2col.unfold(
                        geometry, image: input + i * imageSize, zeroPoint: inZeroPoint,
                        columns: cols + i * p, ld: np)
                }
                weightsF.withUnsafeBufferPointer { w in
                    BLAS.sgemm(
                        m: o + e, n: np, k: k, a: w.baseAddress!, lda: k, b: cols, ldb: np,
                        c: out, ldc: np)
                }
                for j in 0..<((o + e) * np) { sums[j] = Int64(out[j]) }
            } else {
                let cols = scratch.buffer(1, k * np, as: Double.self)
                let out = scratch.buffer(3, (o + e) * np, as: Double.self)
                for i in 0..<n {
                    CenteredIm2col.unfold(
                        geometry, image: input + i * imageSize, zeroPoint: inZeroPoint,
                        columns: cols + i * p, ld: np)
                }
                weightsD.withUnsafeBufferPointer { w in
                    BLAS.dgemm(
                        m: o + e, n: np, k: k, a: w.baseAddress!, lda: k, b: cols, ldb: np,
                        c: out, ldc: np)
                }
                for j in 0..<((o + e) * np) { sums[j] = Int64(out[j]) }
            }
            for c in 0..<o {
                let row = sums + c * np, b = bias[c]
                for j in 0..<np { row[j] += b }
            }
        case .integer, .elementwise:
            let cols = scratch.buffer(1, k * np, as: Int32.self)
            for i in 0..<n {
                CenteredIm2col.unfold(
                    geometry, image: input + i * imageSize, zeroPoint: inZeroPoint,
                    columns: cols + i * p, ld: np)
            }
            if e == 1 {
                let s = sums + o * np
                for j in 0..<np { s[j] = 0 }
                for r in 0..<k { let row = cols + r * np; for j in 0..<np { s[j] += Int64(row[j]) } }
            }
            let flags = scratch.buffer(4, np, as: UInt8.self)
            let lanes = (scratch.buffer(5, np, as: Int32.self), scratch.buffer(6, np, as: Int32.self))
            weightsI.withUnsafeBufferPointer { w in
                for c in 0..<o {
                    counts += accumulate(
                        weights: w.baseAddress! + c * k, bias: bias[c], cols: cols,
                        k: k, np: np, acc: sums + c * np, flags: flags, lanes: lanes)
                }
            }
        }
        epilogue(sums: sums, n: n, output: output, capture: capture)
    }

    /// Sequential accumulation of one output channel in the documented order (bias, then each
    /// row of the im2col matrix), wrapping or saturating at every add.
    private func accumulate(
        weights: UnsafePointer<Int32>, bias: Int64, cols: UnsafePointer<Int32>,
        k: Int, np: Int, acc: UnsafeMutablePointer<Int64>, flags: UnsafeMutablePointer<UInt8>,
        lanes: (UnsafeMutablePointer<Int32>, UnsafeMutablePointer<Int32>)
    ) -> OverflowCounts {
        let lo = accumulator.minValue, hi = accumulator.maxValue
        var events = 0
        let start = min(max(bias, lo), hi)
        let biasOverflow: UInt8 = start != bias ? 1 : 0
        let first: Int64
        if accumulator.overflow == .wrap && accumulator.bits < 64 && biasOverflow == 1 {
            let sh = Int64(64 - accumulator.bits)
            first = (bias << sh) >> sh
        } else {
            first = start
        }
        if int32Accumulate {
            return accumulate32(
                weights: weights, first: Int32(first), biasOverflow: Int32(biasOverflow),
                cols: cols, k: k, np: np, acc: acc, a: lanes.0, ev: lanes.1)
        }
        for j in 0..<np { acc[j] = first; flags[j] = biasOverflow }
        events += Int(biasOverflow) * np
        for r in 0..<k {
            let w = Int64(weights[r])
            if w == 0 { continue }
            let row = cols + r * np
            if accumulator.bits == 64 {
                for j in 0..<np {
                    let (v, o) = acc[j].addingReportingOverflow(w * Int64(row[j]))
                    if o {
                        events += 1; flags[j] = 1
                        acc[j] = accumulator.overflow == .wrap ? v : (w * Int64(row[j]) > 0 ? hi : lo)
                    } else {
                        acc[j] = v
                    }
                }
            } else if accumulator.overflow == .wrap {
                let sh = Int64(64 - accumulator.bits)
                for j in 0..<np {
                    let v = acc[j] + w * Int64(row[j])
                    let wrapped = (v << sh) >> sh
                    let o: UInt8 = wrapped != v ? 1 : 0
                    events += Int(o); flags[j] |= o
                    acc[j] = wrapped
                }
            } else {
                for j in 0..<np {
                    let v = acc[j] + w * Int64(row[j])
                    let clamped = min(max(v, lo), hi)
                    let o: UInt8 = clamped != v ? 1 : 0
                    events += Int(o); flags[j] |= o
                    acc[j] = clamped
                }
            }
        }
        var outputs = 0
        for j in 0..<np { outputs += Int(flags[j]) }
        return OverflowCounts(events: events, outputs: outputs)
    }

    /// `accumulate` in Int32 lanes (see `int32Accumulate`): the same order, wrap and saturate
    /// semantics, with per-position event counters so the loops vectorize.
    private func accumulate32(
        weights: UnsafePointer<Int32>, first: Int32, biasOverflow: Int32,
        cols: UnsafePointer<Int32>, k: Int, np: Int, acc: UnsafeMutablePointer<Int64>,
        a: UnsafeMutablePointer<Int32>, ev: UnsafeMutablePointer<Int32>
    ) -> OverflowCounts {
        a.initialize(repeating: first, count: np)
        ev.initialize(repeating: biasOverflow, count: np)
        let sh = Int32(32 - accumulator.bits)
        let lo = Int32(accumulator.minValue), hi = Int32(accumulator.maxValue)
        let wrap = accumulator.overflow == .wrap
        for r in 0..<k {
            let w = weights[r]
            if w == 0 { continue }
            let row = cols + r * np
            if wrap {
                for j in 0..<np {
                    let v = a[j] &+ w &* row[j]
                    let wrapped = (v &<< sh) &>> sh
                    ev[j] &+= wrapped != v ? 1 : 0
                    a[j] = wrapped
                }
            } else {
                for j in 0..<np {
                    let v = a[j] &+ w &* row[j]
                    let clamped = min(max(v, lo), hi)
                    ev[j] &+= clamped != v ? 1 : 0
                    a[j] = clamped
                }
            }
        }
        var events = 0, outputs = 0
        for j in 0..<np {
            acc[j] = Int64(a[j])
            events += Int(ev[j])
            outputs += ev[j] > 0 ? 1 : 0
        }
        return OverflowCounts(events: events, outputs: outputs)
    }

    /// Adds the bias-correction term, requantizes, and scatters GEMM columns (image-major) to
    /// NCHW outputs.
    private func epilogue(
        sums: UnsafeMutablePointer<Int64>, n: Int, output: UnsafeMutablePointer<Int32>,
        capture: AccumulatorCapture?
    ) {
        let p = positions, np = n * p, o = outChannels, f = fractionBits
        let windowSum = sums + o * np
        if let capture {
            capture.accumulator = [Int64](repeating: 0, count: n * o * p)
            capture.windowSum = zc == nil ? [] : Array(UnsafeBufferPointer(start: windowSum, count: np))
        }
        for c in 0..<o {
            let row = sums + c * np
            if let zc {
                let z = zc[c]
                for j in 0..<np { row[j] = (row[j] << Int64(f)) + z * windowSum[j] }
            } else if biasFraction != nil {
                for j in 0..<np { row[j] <<= Int64(f) }
            }
            if let r = biasFraction?[c], r != 0 {
                for j in 0..<np { row[j] += r }
            }
            let sc = scale[c], m = multiplier[c], s = shift[c]
            for i in 0..<n {
                let src = row + i * p, dst = output + (i * o + c) * p
                if mode == .onnx {
                    for j in 0..<p {
                        dst[j] = Requant.onnx(
                            src[j], fractionBits: f, scale: sc, zeroPoint: outZeroPoint,
                            qmin: qmin, qmax: qmax)
                    }
                } else {
                    for j in 0..<p {
                        dst[j] = Requant.apply(
                            src[j], fractionBits: f, mode: mode, scale: sc, multiplier: m,
                            shift: s, zeroPoint: outZeroPoint, qmin: qmin, qmax: qmax)
                    }
                }
                if let capture {
                    for j in 0..<p { capture.accumulator[(i * o + c) * p + j] = src[j] }
                }
            }
        }
    }
}
