import PolybitTensor

/// 2-D convolution over CNHW activations; images are spread over `Parallel.threads` workers
/// (OpenBLAS single-threaded). Stride-1 3×3 "same" convolutions run by Winograd F(2×2, 3×3), other
/// "same" stride-1 ones as implicit GEMMs over padded planes, the rest per image as an im2col panel
/// and one GEMM.
///
/// Input `[C, N, H, W]`, output `[O, N, outH, outW]`; weight `[O, C, kH, kW]`, optional bias `[O]`.
/// `inputTransform` (e.g. an activation quantizer) is applied to the input and
/// `weightTransform` (e.g. a weight quantizer) to the weights inside forward and backward.
public final class Conv2d: Layer {
    public let inChannels: Int, outChannels: Int
    public let kernel: Int, stride: Int, padding: Int
    public let weight: Parameter
    public let bias: Parameter?
    public var inputTransform: (any Layer)?
    public var weightTransform: (any WeightTransform)?
    /// False for a network's first layer: backward then skips computing dLoss/dInput.
    public var needsInputGradient = true

    private var cachedInput: Tensor?
    private var effectiveWeight: Tensor?

    /// He-normal initialized convolution (`std = sqrt(2 / (C·k·k))`).
    public init(
        name: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int = 1,
        padding: Int = 0, bias: Bool = false, rng: inout SeededRNG
    ) {
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        let fanIn = Float(inChannels * kernel * kernel)
        weight = Parameter(
            name: name + ".weight", role: .weight,
            value: .randomNormal(
                [outChannels, inChannels, kernel, kernel],
                std: (2 / fanIn).squareRoot(), rng: &rng))
        self.bias = bias ? Parameter(name: name + ".bias", role: .bias, value: .zeros([outChannels])) : nil
    }

    public var parameters: [Parameter] {
        [weight] + (bias.map { [$0] } ?? []) + (inputTransform?.parameters ?? [])
            + (weightTransform?.parameters ?? [])
    }

    /// True when the convolution is a plain matrix product over the input (1x1, stride 1, no pad).
    private var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 }

    /// True for stride-1 convolutions whose output has the input's size ("same" padding, k > 1):
    /// they run as implicit GEMMs over padded planes (3×3 ones by Winograd, see `winograd`), and
    /// their input gradient is a forward convolution of dY with the flipped, transposed kernel.
    private var isSameStrideOne: Bool { kernel > 1 && stride == 1 && kernel % 2 == 1 && 2 * padding == kernel - 1 }

    /// Runs a stride-1, padding-1 3×3 convolution by Winograd F(2×2, 3×3) (default); false runs
    /// it as an implicit GEMM like other "same" convolutions (`polybit bench conv` compares them).
    public var winograd = true

    private var usesWinograd: Bool { winograd && kernel == 3 && isSameStrideOne }

    private func geometry(_ x: Tensor) -> ConvGeometry {
        ConvGeometry(
            channels: inChannels, height: x.shape[2], width: x.shape[3], kernel: kernel,
            stride: stride, padding: padding)
    }

    /// Calls `body(i, panel, ldPanel)` for each image `i` of `images`, where `panel` is image
    /// i's im2col matrix `[C·k·k, outPositions]` (built in `scratch`, or the input itself for
    /// pointwise convolutions).
    private func withPanels(
        _ g: ConvGeometry, n: Int, x: UnsafePointer<Float>, images: Range<Int>,
        scratch: UnsafeMutablePointer<Float>,
        _ body: (Int, UnsafePointer<Float>, Int) -> Void
    ) {
        let plane = g.height * g.width
        for i in images {
            if isPointwise {
                body(i, x + i * plane, n * plane)
            } else {
                Im2col.unfold(
                    g, image: x + i * plane, channelStride: n * plane, columns: scratch,
                    ld: g.outPositions, padValue: 0)
                body(i, scratch, g.outPositions)
            }
        }
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(
            input.rank == 4 && input.shape[0] == inChannels,
            "\(weight.name): expected [\(inChannels), N, H, W], got \(input.shape)")
        let x = inputTransform?.forward(input, training: training) ?? input
        let w = weightTransform?.forward(weight.value, training: training) ?? weight.value
        let n = x.shape[1], g = geometry(x)
        let p = g.outPositions, k = g.patchSize, o = outChannels, plane = g.height * g.width
        let out = Tensor(shape: [o, n, g.outH, g.outW]) { op in
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    let xs = xp.baseAddress!, ws = wp.baseAddress!, os = op.baseAddress!
                    if usesWinograd {
                        let plan = WinogradConvolution(
                            height: g.height, width: g.width, inChannels: inChannels,
                            outChannels: o)
                        plan.transformedWeights(ws).withUnsafeBufferPointer { u in
                            Parallel.forEachChunk(n) { images in
                                plan.forward(x: xs, u: u.baseAddress!, y: os, channelStride: n * plane, images: images)
                            }
                        }
                    } else if isSameStrideOne {
                        let planes = PaddedPlanes(height: g.height, width: g.width, kernel: kernel)
                        planes.tapOffsets(channels: inChannels).withUnsafeBufferPointer { offsets in
                            Parallel.forEachChunk(n) { images in
                                let padded = planes.allocatePlanes(inChannels)
                                let grid = UnsafeMutablePointer<Float>.allocate(capacity: o * planes.gridLength)
                                defer { padded.deallocate(); grid.deallocate() }
                                for i in images {
                                    planes.scatter(
                                        xs + i * plane, channels: inChannels, channelStride: n * plane,
                                        into: padded)
                                    MicroGemm.nn(
                                        m: o, n: planes.gridLength, k: k, a: ws, aRow: k, aCol: 1,
                                        rows: OffsetRows(base: padded, offsets: offsets.baseAddress!),
                                        c: grid, ldc: planes.gridLength, accumulate: false)
                                    planes.gather(grid, rows: o, into: os + i * p, channelStride: n * p)
                                }
                            }
                        }
                    } else {
                        Parallel.forEachChunk(n) { images in
                            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: isPointwise ? 1 : k * p)
                            defer { scratch.deallocate() }
                            withPanels(g, n: n, x: xs, images: images, scratch: scratch) { i, panel, ld in
                                convGemm(
                                    m: o, n: p, k: k, a: ws, transposeA: false, b: panel, ldb: ld,
                                    c: os + i * p, ldc: n * p)
                            }
                        }
                    }
                    if let bias { addBias(bias.value, os, rowLength: n * p) }
                }
            }
        }
        if training {
            cachedInput = x
            effectiveWeight = w
        }
        return out
    }

    /// `W'[c, o, ky, kx] = W[o, c, k−1−ky, k−1−kx]`: the kernel of the input-gradient convolution.
    private func flippedTransposed(_ w: Tensor) -> Tensor {
        let k = kernel, kk = k * k
        return Tensor(shape: [inChannels, outChannels, k, k]) { out in
            for o in 0..<outChannels {
                for c in 0..<inChannels {
                    for t in 0..<kk {
                        out[(c * outChannels + o) * kk + (kk - 1 - t)] = w.storage[(o * inChannels + c) * kk + t]
                    }
                }
            }
        }
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let x = cachedInput, let w = effectiveWeight else {
            preconditionFailure("\(weight.name): backward without a training forward")
        }
        let n = x.shape[1], g = geometry(x), o = outChannels, k = g.patchSize
        let workers = max(1, min(Parallel.threads, n))
        // Per-worker weight gradients: Winograd-transformed (16·O·C) or plain (O·C·k·k).
        let partialSize = usesWinograd ? 16 * o * inChannels : o * k
        var partials = [Float](repeating: 0, count: workers * partialSize)
        var gradInput = Tensor(shape: needsInputGradient ? x.shape : [0]) { _ in }
        let wFlipped = isSameStrideOne && needsInputGradient ? flippedTransposed(w) : Tensor(shape: [0])
        // Winograd plans of the weight gradient (X and dY) and of the input gradient (dY ∗ W').
        let forwardPlan = WinogradConvolution(
            height: g.height, width: g.width, inChannels: inChannels,
            outChannels: o)
        let inputGradientPlan = WinogradConvolution(
            height: g.height, width: g.width, inChannels: o,
            outChannels: inChannels)
        let flippedU =
            usesWinograd && needsInputGradient
            ? wFlipped.withUnsafeBufferPointer { inputGradientPlan.transformedWeights($0.baseAddress!) } : []
        gradOutput.withUnsafeBufferPointer { dyp in
            x.withUnsafeBufferPointer { xp in
                w.withUnsafeBufferPointer { wp in
                    wFlipped.withUnsafeBufferPointer { fp in
                        partials.withUnsafeMutableBufferPointer { pp in
                            gradInput.withUnsafeMutableBufferPointer { dxp in
                                let buffers = ConvGradientBuffers(
                                    x: xp.baseAddress!, dy: dyp.baseAddress!, w: wp.baseAddress!,
                                    flipped: fp.baseAddress, partials: pp.baseAddress!,
                                    dx: needsInputGradient ? dxp.baseAddress : nil)
                                Parallel.forEach(workers) { worker in
                                    let images = (n * worker / workers)..<(n * (worker + 1) / workers)
                                    if usesWinograd {
                                        let plane = g.height * g.width
                                        forwardPlan.accumulateWeightGradient(
                                            x: buffers.x, dy: buffers.dy, channelStride: n * plane, images: images,
                                            du: buffers.partials + worker * partialSize)
                                        if let dx = buffers.dx {
                                            flippedU.withUnsafeBufferPointer { u in
                                                inputGradientPlan.forward(
                                                    x: buffers.dy, u: u.baseAddress!, y: dx,
                                                    channelStride: n * plane, images: images)
                                            }
                                        }
                                    } else if isSameStrideOne {
                                        implicitBackward(
                                            g, n: n, images: images, buffers,
                                            dW: buffers.partials + worker * partialSize)
                                    } else {
                                        panelBackward(
                                            g, n: n, images: images, buffers,
                                            dW: buffers.partials + worker * partialSize)
                                    }
                                }
                            }
                        }
                    }
                }
            }
            if let bias {
                bias.grad.withUnsafeMutableBufferPointer { db in
                    let p = g.outPositions
                    for c in 0..<o { db[c] += Float(Vec.sum(n * p, dyp.baseAddress! + c * n * p)) }
                }
            }
        }
        accumulateWeightGradient(summing: &partials, workers: workers, partialSize: partialSize)
        cachedInput = nil
        return inputTransform?.backward(gradInput) ?? gradInput
    }

    /// Sums the `workers` per-worker weight gradients in `partials` (each `partialSize` floats:
    /// Winograd-transformed 16·O·C, or plain O·C·k·k) into the first, maps them back to the weight
    /// shape (and through `weightTransform`), and adds the result to the weight's gradient.
    private func accumulateWeightGradient(summing partials: inout [Float], workers: Int, partialSize: Int) {
        partials.withUnsafeMutableBufferPointer { pp in
            for worker in 1..<workers {
                Vec.axpy(partialSize, 1, pp.baseAddress! + worker * partialSize, pp.baseAddress!)
            }
        }
        var gradWeight = Tensor(shape: weight.value.shape) { gw in
            partials.withUnsafeBufferPointer { pp in
                if usesWinograd {
                    WinogradTiles.weightGradient(
                        of: pp.baseAddress!, outChannels: outChannels, inChannels: inChannels,
                        into: gw.baseAddress!)
                } else {
                    gw.baseAddress!.update(from: pp.baseAddress!, count: partialSize)
                }
            }
        }
        if let t = weightTransform { gradWeight = t.backward(gradWeight) }
        weight.accumulateGrad(gradWeight)
    }

    /// Backward of a "same" stride-1 conv over `images`, on padded planes (no panels):
    /// `dW += dY_grid · Xᵀ` (both read along the grid; small grids batch several images into one
    /// reduction) and `dX = conv(dY, W')`.
    private func implicitBackward(
        _ g: ConvGeometry, n: Int, images: Range<Int>, _ b: ConvGradientBuffers,
        dW: UnsafeMutablePointer<Float>
    ) {
        let planes = PaddedPlanes(height: g.height, width: g.width, kernel: kernel)
        let o = outChannels, c = inChannels, kk = kernel * kernel, plane = g.height * g.width
        let group = max(1, min(images.count, 512 / planes.gridLength))
        let xStride = c * planes.planeSize, dyStride = o * planes.planeSize
        let paddedX = planes.allocatePlanes(c * group), paddedDY = planes.allocatePlanes(o * group)
        let grid = UnsafeMutablePointer<Float>.allocate(capacity: c * planes.gridLength)
        defer { paddedX.deallocate(); paddedDY.deallocate(); grid.deallocate() }
        let xOffsets = planes.tapOffsets(channels: c), dyOffsets = planes.tapOffsets(channels: o)
        xOffsets.withUnsafeBufferPointer { xo in
            dyOffsets.withUnsafeBufferPointer { dyo in
                var first = images.lowerBound
                while first < images.upperBound {
                    let members = min(group, images.upperBound - first)
                    for m in 0..<members {
                        planes.scatter(
                            b.x + (first + m) * plane, channels: c, channelStride: n * plane,
                            into: paddedX + m * xStride)
                        planes.scatter(
                            b.dy + (first + m) * plane, channels: o, channelStride: n * plane,
                            into: paddedDY + m * dyStride)
                    }
                    MicroGemm.nt(
                        m: o, n: c * kk, k: planes.gridLength, a: paddedDY + planes.gridOffset,
                        lda: planes.planeSize, rows: OffsetRows(base: paddedX, offsets: xo.baseAddress!),
                        c: dW, ldc: c * kk, accumulate: true, groups: members, aGroupStride: dyStride,
                        bGroupStride: xStride)
                    if let dx = b.dx, let flipped = b.flipped {
                        for m in 0..<members {
                            MicroGemm.nn(
                                m: c, n: planes.gridLength, k: o * kk, a: flipped, aRow: o * kk, aCol: 1,
                                rows: OffsetRows(base: paddedDY + m * dyStride, offsets: dyo.baseAddress!),
                                c: grid, ldc: planes.gridLength, accumulate: false)
                            planes.gather(grid, rows: c, into: dx + (first + m) * plane, channelStride: n * plane)
                        }
                    }
                    first += members
                }
            }
        }
    }

    /// Backward of any other conv over `images`, on im2col panels: `dW += dY_i · panelᵀ` and
    /// `dX = fold(Wᵀ · dY_i)` (or `Wᵀ · dY_i` directly for pointwise convs).
    private func panelBackward(
        _ g: ConvGeometry, n: Int, images: Range<Int>, _ b: ConvGradientBuffers,
        dW: UnsafeMutablePointer<Float>
    ) {
        let p = g.outPositions, k = g.patchSize, o = outChannels, plane = g.height * g.width
        // The panel, then dCols (pointwise convs need neither).
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: isPointwise ? 1 : 2 * k * p)
        defer { scratch.deallocate() }
        let dCols = scratch + (isPointwise ? 0 : k * p)
        withPanels(g, n: n, x: b.x, images: images, scratch: scratch) { i, panel, ld in
            let dyi = b.dy + i * p
            MicroGemm.nt(
                m: o, n: k, k: p, a: dyi, lda: n * p, rows: StridedRows(base: panel, stride: ld),
                c: dW, ldc: k, accumulate: true)
            guard let dx = b.dx else { return }
            if isPointwise {
                convGemm(
                    m: k, n: p, k: o, a: b.w, transposeA: true, b: dyi, ldb: n * p,
                    c: dx + i * plane, ldc: n * plane)
            } else {
                // dCols_i = Wᵀ [CKK, O] · dY_i [O, P], folded back into image i.
                convGemm(m: k, n: p, k: o, a: b.w, transposeA: true, b: dyi, ldb: n * p, c: dCols, ldc: p)
                for c in 0..<inChannels {
                    (dx + c * n * plane + i * plane).update(repeating: 0, count: plane)
                }
                Im2col.fold(g, columns: dCols, ld: p, image: dx + i * plane, channelStride: n * plane)
            }
        }
    }
}

/// The raw buffers of one conv backward pass, shared (read-only, or written in disjoint parts)
/// by the workers.
private struct ConvGradientBuffers {
    let x: UnsafePointer<Float>, dy: UnsafePointer<Float>, w: UnsafePointer<Float>
    let flipped: UnsafePointer<Float>?
    let partials: UnsafeMutablePointer<Float>
    let dx: UnsafeMutablePointer<Float>?
}

/// `C = op(A)·B` for one image's convolution GEMM (single-threaded; callers parallelize over
/// images). `A` is `m×k` row-major, or `k×m` when `transposeA`. Polybit's micro-kernel is faster
/// where m is at most 16 or k at most 32 (`polybit bench kernels`), OpenBLAS elsewhere.
func convGemm(
    m: Int, n: Int, k: Int, a: UnsafePointer<Float>, transposeA: Bool,
    b: UnsafePointer<Float>, ldb: Int, c: UnsafeMutablePointer<Float>, ldc: Int
) {
    if m <= 16 || k <= 32 {
        MicroGemm.nn(
            m: m, n: n, k: k, a: a, aRow: transposeA ? 1 : k, aCol: transposeA ? m : 1,
            b: b, ldb: ldb, c: c, ldc: ldc, accumulate: false)
    } else {
        BLAS.sgemm(
            transA: transposeA, m: m, n: n, k: k, a: a, lda: transposeA ? m : k,
            b: b, ldb: ldb, c: c, ldc: ldc)
    }
}

/// Adds `bias[r]` to every element of row `r` of a row-major matrix.
func addBias(_ bias: Tensor, _ out: UnsafeMutablePointer<Float>, rowLength: Int) {
    bias.withUnsafeBufferPointer { b in
        for r in 0..<b.count {
            let row = out + r * rowLength, v = b[r]
            for j in 0..<rowLength { row[j] += v }
        }
    }
}
