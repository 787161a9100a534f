import PolybitTensor

/// What happens when a partial sum leaves the accumulator's range.
public enum OverflowMode: String, Sendable, CaseIterable, Codable {
    /// Two's-complement wrap-around (the final value does not depend on the order of adds).
    case wrap
    /// Clamp to the range at every add (order-dependent; the order is bias first, then the
    /// im2col order c, ky, kx for conv and i for linear).
    case saturate
}

/// The MAC accumulator of the simulated hardware.
public struct AccumulatorModel: Sendable, Equatable, Codable {
    /// Width in bits, 8...64 (two's complement).
    public var bits: Int
    /// Wrap or saturate.
    public var overflow: OverflowMode

    public init(bits: Int = 32, overflow: OverflowMode = .wrap) {
        self.bits = bits; self.overflow = overflow
    }

    /// Smallest representable accumulator value, `−2^(bits−1)`.
    public var minValue: Int64 { bits >= 64 ? Int64.min : -(Int64(1) << (bits - 1)) }
    /// Largest representable accumulator value, `2^(bits−1) − 1`.
    public var maxValue: Int64 { bits >= 64 ? Int64.max : (Int64(1) << (bits - 1)) - 1 }
}

/// Settings of one simulation run.
public struct SimulationConfig: Sendable, Equatable {
    /// Requantization arithmetic.
    public var requant: RequantMode
    /// Accumulator width and overflow behaviour.
    public var accumulator: AccumulatorModel
    /// Use exact float32/float64 GEMM where it is provably exact and overflow is impossible;
    /// false forces the integer kernels everywhere (same results, slower).
    public var fastPath: Bool
    /// Worker threads (images are split between them; BLAS runs single-threaded inside).
    public var threads: Int
    /// Images per worker step (bounds memory: the im2col matrix holds `batch · K · P` values).
    public var batch: Int
    /// How softmax, GELU and LayerNorm are computed (transformer models only).
    public var specialFunctions: SpecialFunctions

    public init(
        requant: RequantMode = .onnx, accumulator: AccumulatorModel = AccumulatorModel(),
        fastPath: Bool = true, threads: Int = Parallel.threads, batch: Int = 8,
        specialFunctions: SpecialFunctions = .integer
    ) {
        self.requant = requant; self.accumulator = accumulator; self.fastPath = fastPath
        self.threads = threads; self.batch = batch; self.specialFunctions = specialFunctions
    }

    /// Throws `InputError` for an accumulator width outside 8...64, or threads/batch below 1.
    public func validate() throws {
        guard (8...64).contains(accumulator.bits) else {
            throw InputError("--accumulator-bits: expected 8...64, got \(accumulator.bits)")
        }
        guard threads >= 1, batch >= 1 else { throw InputError("threads and batch must be at least 1") }
    }
}
