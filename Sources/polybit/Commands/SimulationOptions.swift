import ArgumentParser
import PolybitHardware
import PolybitSim
import PolybitTensor

extension RequantMode: ExpressibleByArgument {}
extension OverflowMode: ExpressibleByArgument {}

/// Flags shared by `simulate`, `trace` and `bench sim` that choose the integer arithmetic.
struct SimulationOptions: ParsableArguments {
    @Option(
        help:
            "Requantization: onnx (float32 scale, round half to even), double (TFLite double rounding), single (TFLite single rounding). Default: onnx (simulate --profile: the profile's `requant`)."
    )
    var requant: RequantMode?

    @Option(
        name: .customLong("accumulator-bits"),
        help: "Accumulator width in bits (8-64). Default: 32 (simulate --profile: the profile's `accumulator_bits`).")
    var accumulatorBits: Int?

    @Option(
        help:
            "Accumulator overflow: wrap (two's complement) or saturate (at every add: bias first, then c, ky, kx). Default: wrap (simulate --profile: the profile's `accumulator_overflow`)."
    )
    var overflow: OverflowMode?

    @Flag(name: .customLong("no-fast-path"), help: "Use the integer kernels even where exact float GEMM would do.")
    var noFastPath = false

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Images per worker step.")
    var batch: Int = 8

    /// The settings given explicitly.
    var overrides: ArithmeticOverrides {
        ArithmeticOverrides(requant: requant, accumulatorBits: accumulatorBits, overflow: overflow)
    }

    /// The arithmetic for `profiles` (flags override them) with this run's fast path, threads
    /// and batch; throws `InputError` for a bad flag or disagreeing profiles.
    func resolve(profiles: [(file: String, profile: HardwareProfile)] = []) throws
        -> (arithmetic: SimulationArithmetic, config: SimulationConfig)
    {
        let arithmetic = try SimulationArithmetic(profiles: profiles, overrides: overrides)
        let c = arithmetic.config(fastPath: !noFastPath, threads: threads ?? Parallel.threads, batch: batch)
        try c.validate()
        return (arithmetic, c)
    }

    /// The library configuration these flags describe (no profile: unset flags take the defaults).
    func config() throws -> SimulationConfig { try resolve().config }
}

/// Progress of a simulation on standard error.
func simulationProgress(_ line: ProgressLine) -> (Int, Int) -> Void {
    let start = Clock.seconds()
    return { done, total in
        let rate = Double(done) / max(Clock.seconds() - start, 1e-9)
        line.update(
            "simulate \(done)/\(total) images, \(Int(rate)) images/s, ETA "
                + ProgressLine.duration(Double(total - done) / max(rate, 1e-9)))
    }
}
