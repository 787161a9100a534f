import PolybitTensor

/// Global average pooling: CNHW `[C, N, H, W]` → `[N, C]` (rows ready for a `Linear`).
public final class GlobalAvgPool: Layer {
    private var inputShape: [Int] = []
    public init() {}
    public var parameters: [Parameter] { [] }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let c = x.shape[0], n = x.shape[1], p = x.shape[2] * x.shape[3]
        if training { inputShape = x.shape }
        return x.withUnsafeBufferPointer { xp in
            Tensor(shape: [n, c]) { yp in
                for ci in 0..<c {
                    for ni in 0..<n {
                        yp[ni * c + ci] = Float(Vec.sum(p, xp.baseAddress! + (ci * n + ni) * p) / Double(p))
                    }
                }
            }
        }
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        let c = inputShape[0], n = inputShape[1], p = inputShape[2] * inputShape[3]
        let scale = 1 / Float(p)
        return gradOutput.withUnsafeBufferPointer { gp in
            Tensor(shape: inputShape) { dp in
                for ci in 0..<c {
                    for ni in 0..<n {
                        let v = gp[ni * c + ci] * scale
                        let d = dp.baseAddress! + (ci * n + ni) * p
                        for i in 0..<p { d[i] = v }
                    }
                }
            }
        }
    }
}

/// Max or average pooling over each `H×W` plane of a rank-4 tensor (layout-agnostic: NCHW or
/// CNHW). Average pooling divides by the full window (padding counts as zeros).
public final class Pool2d: Layer {
    public enum Kind: Sendable { case max, average }
    public let kind: Kind
    public let kernel: Int, stride: Int, padding: Int
    private var inputShape: [Int] = []
    private var argmax: [Int32] = []

    public init(_ kind: Kind, kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.kind = kind; self.kernel = kernel; self.stride = stride ?? kernel; self.padding = padding
    }

    public var parameters: [Parameter] { [] }

    private func geometry(_ shape: [Int]) -> ConvGeometry {
        ConvGeometry(channels: 1, height: shape[2], width: shape[3], kernel: kernel, stride: stride, padding: padding)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry(x.shape)
        let planes = x.shape[0] * x.shape[1], hw = g.height * g.width, op = g.outPositions
        if training { inputShape = x.shape; argmax = [Int32](repeating: -1, count: planes * op) }
        let inv = 1 / Float(kernel * kernel)
        return x.withUnsafeBufferPointer { xp in
            Tensor(shape: [x.shape[0], x.shape[1], g.outH, g.outW]) { yp in
                for p in 0..<planes {
                    let src = xp.baseAddress! + p * hw
                    for oy in 0..<g.outH {
                        for ox in 0..<g.outW {
                            var best = -Float.infinity, bestIndex: Int32 = -1, sum: Float = 0
                            for ky in 0..<kernel {
                                for kx in 0..<kernel {
                                    let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                                    guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                                    let v = src[iy * g.width + ix]
                                    sum += v
                                    if v > best { best = v; bestIndex = Int32(iy * g.width + ix) }
                                }
                            }
                            let o = p * op + oy * g.outW + ox
                            yp[o] = kind == .max ? best : sum * inv
                            if training && kind == .max { argmax[o] = bestIndex }
                        }
                    }
                }
            }
        }
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        let g = geometry(inputShape)
        let planes = inputShape[0] * inputShape[1], hw = g.height * g.width, op = g.outPositions
        var dx = Tensor(shape: inputShape)
        let inv = 1 / Float(kernel * kernel)
        gradOutput.withUnsafeBufferPointer { gp in
            dx.withUnsafeMutableBufferPointer { dp in
                for p in 0..<planes {
                    let d = dp.baseAddress! + p * hw
                    for oy in 0..<g.outH {
                        for ox in 0..<g.outW {
                            let o = p * op + oy * g.outW + ox
                            if kind == .max {
                                if argmax[o] >= 0 { d[Int(argmax[o])] += gp[o] }
                                continue
                            }
                            for ky in 0..<kernel {
                                for kx in 0..<kernel {
                                    let iy = oy * stride - padding + ky, ix = ox * stride - padding + kx
                                    guard iy >= 0, iy < g.height, ix >= 0, ix < g.width else { continue }
                                    d[iy * g.width + ix] += gp[o] * inv
                                }
                            }
                        }
                    }
                }
            }
        }
        return dx
    }
}
