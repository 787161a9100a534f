import PolybitNN
import PolybitTensor

/// LSQ activation quantizer with one learnable step per bit-width: unsigned grid `[0, 2^b−1]`
/// after ReLU, or signed for tensors that can be negative (transformer tokens). Any shape.
///
/// Steps start at 0 (uninitialized). The first quantized forward sets every step still at 0 to
/// LSQ's initialization `2·mean|x| / sqrt(Q_p)` of its own grid, from that batch (every rank's
/// part of it with `replicas`), before any optimizer update (which keeps steps positive from
/// then on).
public final class ActivationQuantizer: Layer {
    public let name: String
    public let signed: Bool
    public var options: QuantizerOptions
    /// Current bit-width (nil: float pass-through).
    public var bits: Int?
    public private(set) var steps: [Int: Parameter] = [:]
    /// Called with every quantized output (values `step·q`, the input's shape), for diagnostics.
    public var observer: ((Tensor) -> Void)?
    /// The ranks of a data-parallel job whose parts of the batch initialize the steps together.
    public var replicas: (any Communicator)?
    private var cache: (input: Tensor, step: Float, grid: QuantGrid)?

    public init(name: String, signed: Bool, bitWidths: [Int], options: QuantizerOptions) {
        self.name = name; self.signed = signed; self.options = options
        for b in bitWidths {
            // 0 marks "not initialized yet"; once trained, the optimizer keeps the step positive.
            let step = Parameter(name: "\(name).astep\(b)", role: .stepSize, value: .zeros([1]))
            step.lowerBound = 1e-8
            steps[b] = step
        }
    }

    public var parameters: [Parameter] { steps.keys.sorted().map { steps[$0]! } }

    public func grid(_ bits: Int) -> QuantGrid { QuantGrid(bits: bits, signed: signed) }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        guard let b = bits else { return x }
        guard let p = steps[b] else { preconditionFailure("\(name): no step size for \(b) bits") }
        let grid = grid(b)
        if steps.values.contains(where: { $0.value.storage[0] <= 0 }) {
            var sums = [x.storage.reduce(0.0) { $0 + Double(abs($1)) }, Double(x.count)]
            replicas?.sum(&sums)
            let meanAbs = sums[0] / max(1, sums[1])
            for (bits, step) in steps where step.value.storage[0] <= 0 {
                let levels = Double(self.grid(bits).positiveLevels)
                step.value.storage[0] = Float(max(2 * meanAbs / levels.squareRoot(), 1e-8))
            }
        }
        let step = p.value.storage[0]
        let y = x.withUnsafeBufferPointer { xp in
            Tensor(shape: x.shape) { yp in
                let src = xp.baseAddress!, dst = yp.baseAddress!
                Parallel.forEachChunk(xp.count, minimumChunk: 65_536) { r in
                    LSQ.forward(r.count, src + r.lowerBound, dst + r.lowerBound, step: step, grid: grid)
                }
            }
        }
        if training { cache = (x, step, grid) }
        observer?(y)
        return y
    }

    public func backward(_ gradOutput: Tensor) -> Tensor {
        guard let b = bits else { return gradOutput }
        guard let c = cache else { preconditionFailure("\(name): backward without a training forward") }
        let workers = max(1, min(Parallel.threads, c.input.count / 65_536))
        var partial = [Float](repeating: 0, count: workers)
        let dx = Tensor(shape: c.input.shape) { dp in
            c.input.withUnsafeBufferPointer { xp in
                gradOutput.withUnsafeBufferPointer { gp in
                    partial.withUnsafeMutableBufferPointer { pp in
                        let x = xp.baseAddress!, g = gp.baseAddress!, d = dp.baseAddress!, sums = pp.baseAddress!
                        let n = xp.count
                        Parallel.forEach(workers) { w in
                            let lo = n * w / workers, hi = n * (w + 1) / workers
                            sums[w] = LSQ.backward(hi - lo, x + lo, g + lo, d + lo, step: c.step, grid: c.grid)
                        }
                    }
                }
            }
        }
        var dStep = partial.reduce(0, +)
        if options.stepGradientScale {
            // LSQ scales by the features of one sample: the batch is dimension 1 of CNHW
            // activations and dimension 0 of tokens and feature rows.
            let batch = c.input.rank == 4 ? c.input.shape[1] : c.input.shape[0]
            dStep /= (Float(c.input.count / max(1, batch)) * c.grid.positiveLevels).squareRoot()
        }
        steps[b]!.grad.storage[0] += dStep
        cache = nil
        return dx
    }

    /// Sets untrained bit-widths' steps by clip-range interpolation (see `WeightQuantizer`).
    public func interpolateUntrainedSteps(trained: [Int]) {
        interpolateSteps(steps, trained: trained) { self.grid($0).qmax }
    }
}
