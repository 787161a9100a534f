import PolybitTensor

/// Fully connected layer: input `[R, in]`, output `[R, out] = x·Wᵀ + b`; weight `[out, in]`.
/// Any leading shape is accepted and flattened to rows (`[N, T, in]` → `[N·T, in]`).
public final class Linear: Layer {
    public let inFeatures: Int, outFeatures: Int
    public let weight: Parameter
    public let bias: Parameter?
    public var inputTransform: (any Layer)?
    public var weightTransform: (any WeightTransform)?

    private var input: Tensor?
    private var effectiveWeight: Tensor?

    /// Uniform init in ±1/sqrt(in) (PyTorch's default for Linear).
    public init(
        name: String, inFeatures: Int, outFeatures: Int, bias: Bool = true,
        rng: inout SeededRNG
    ) {
        self.inFeatures = inFeatures; self.outFeatures = outFeatures
        let bound = 1 / Float(inFeatures).squareRoot()
        weight = Parameter(
            name: name + ".weight", role: .weight,
            value: .randomUniform([outFeatures, inFeatures], low: -bound, high: bound, rng: &rng))
        self.bias =
            bias
            ? Parameter(
                name: name + ".bias", role: .bias,
                value: .randomUniform([outFeatures], low: -bound, high: bound, rng: &rng)) : nil
    }

    public var parameters: [Parameter] {
        [weight] + (bias.map { [$0] } ?? []) + (inputTransform?.parameters ?? [])
            + (weightTransform?.parameters ?? [])
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        precondition(
            input.shape.last == inFeatures, "\(weight.name): expected [..., \(inFeatures)], got \(input.shape)")
        let x = inputTransform?.forward(input, training: training) ?? input
        let w = weightTransform?.forward(weight.value, training: training) ?? weight.value
        let rows = x.count / inFeatures
        var outShape = x.shape
        outShape[outShape.count - 1] = outFeatures
        var y = Tensor(shape: outShape) { _ in }
        x.withUnsafeBufferPointer { xp in
            w.withUnsafeBufferPointer { wp in
                y.withUnsafeMutableBufferPointer { yp in
                    BLAS.sgemm(
                        transB: true, m: rows, n: outFeatures, k: inFeatures, a: xp.baseAddress!,
                        lda: inFeatures, b: wp.baseAddress!, ldb: inFeatures, c: yp.baseAddress!, ldc: outFeatures)
                    if let bias {
                        bias.value.withUnsafeBufferPointer { bp in
                            for r in 0..<rows {
                                let row = yp.baseAddress! + r * outFeatures
                                for j in 0..<outFeatures { row[j] += bp[j] }
                            }
                        }
                    }
                }
            }
        }
        if training { self.input = x; effectiveWeight = w }
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let x = input, let w = effectiveWeight else {
            preconditionFailure("\(weight.name): backward without a training forward")
        }
        let rows = x.count / inFeatures
        var gradWeight = Tensor(shape: weight.value.shape) { _ in }
        var gradInput = Tensor(shape: x.shape) { _ in }
        gradOutput.withUnsafeBufferPointer { dy in
            x.withUnsafeBufferPointer { xp in
                gradWeight.withUnsafeMutableBufferPointer { dw in
                    BLAS.sgemm(
                        transA: true, m: outFeatures, n: inFeatures, k: rows, a: dy.baseAddress!,
                        lda: outFeatures, b: xp.baseAddress!, ldb: inFeatures, c: dw.baseAddress!, ldc: inFeatures)
                }
            }
            w.withUnsafeBufferPointer { wp in
                gradInput.withUnsafeMutableBufferPointer { dx in
                    BLAS.sgemm(
                        m: rows, n: inFeatures, k: outFeatures, a: dy.baseAddress!, lda: outFeatures,
                        b: wp.baseAddress!, ldb: inFeatures, c: dx.baseAddress!, ldc: inFeatures)
                }
            }
            if let bias {
                bias.grad.withUnsafeMutableBufferPointer { db in
                    for r in 0..<rows {
                        let row = dy.baseAddress! + r * outFeatures
                        for j in 0..<outFeatures { db[j] += row[j] }
                    }
                }
            }
        }
        weight.accumulateGrad(weightTransform?.backward(gradWeight) ?? gradWeight)
        input = nil
        return inputTransform?.backward(gradInput) ?? gradInput
    }
}
