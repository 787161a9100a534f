import ArgumentParser
import PolybitSim
import PolybitTensor

extension RequantMode: ExpressibleByArgument {}
extension OverflowMode: ExpressibleByArgument {}

/// Flags shared by `simulate`, `trace` and `bench sim` that choose the integer arithmetic.
struct SimulationOptions: ParsableArguments {
    @Option(help: "Requantization: onnx (float32 scale, round half to even), double (TFLite double rounding), single (TFLite single rounding).")
    var requant: RequantMode = .onnx

    @Option(name: .customLong("accumulator-bits"), help: "Accumulator width in bits (8-64).")
    var accumulatorBits: Int = 32

    @Option(help: "Accumulator overflow: wrap (two's complement) or saturate (at every add: bias first, then c, ky, kx).")
    var overflow: OverflowMode = .wrap

    @Flag(name: .customLong("no-fast-path"), help: "Use the integer kernels even where exact float GEMM would do.")
    var noFastPath = false

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(help: "Images per worker step.")
    var batch: Int = 8

    /// The library configuration these flags describe.
    func config() throws -> SimulationConfig {
        let c = SimulationConfig(requant: requant,
                                 accumulator: AccumulatorModel(bits: accumulatorBits, overflow: overflow),
                                 fastPath: !noFastPath, threads: threads ?? Parallel.threads, batch: batch)
        try c.validate()
        return c
    }
}

/// Progress of a simulation on standard error.
func simulationProgress(_ line: ProgressLine) -> (Int, Int) -> Void {
    let start = Clock.seconds()
    return { done, total in
        let rate = Double(done) / max(Clock.seconds() - start, 1e-9)
        line.update("simulate \(done)/\(total) images, \(Int(rate)) images/s, ETA "
                    + ProgressLine.duration(Double(total - done) / max(rate, 1e-9)))
    }
}
