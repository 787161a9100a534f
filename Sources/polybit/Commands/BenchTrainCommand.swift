import ArgumentParser
import Foundation
import PolybitHardware
import PolybitNN
import PolybitQuant
import PolybitSim
import PolybitTensor
import PolybitTrain

/// `polybit bench train`: images per second of a training step, float or multi-bit.
struct BenchTrainCommand: ParsableCommand, DistributedCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Images per second of a ResNet training step (forward, backward, SGD update) on random data.",
        discussion: """
            With --bits the step is a multi-bit fake-quant step: forward and backward at every bit-width \
            (gradients summed), then one update, as the PyTorch peer in tools/bench/torch_resnet20.py. \
            tools/bench/train_vs_torch.sh runs both and prints the ratio. Under `mpirun -np N` each rank takes its \
            part of the batch (BatchNorm synchronized, one gradient allreduce per step, as `train`); the report adds \
            the time in collectives (tools/bench/mpi_train.sh compares 2 ranks × 1 thread with 1 process × 2 threads).
            """)

    @Option(help: "Model: resnet20, resnet32, resnet56.") var model = "resnet20"
    @Option(help: "Batch size.") var batch = 128
    @OptionGroup var inputShape: InputShapeOption
    @Option(help: "Threads.") var threads = 2
    @Option(help: "Timed steps.") var steps = 10
    @Option(help: "Bit-widths of a multi-bit step, e.g. 2,3,4,8 (omit for float).") var bits: String?
    @Flag(help: "Print one JSON object.") var json = false

    struct Report: Encodable {
        var model: String, input: String, batch: Int, threads: Int, bits: String
        var images_per_s: Double, step_ms: Double, gflop_per_s: Double
        var sgemm_peak_gflop_per_s: Double, fraction_of_sgemm_peak: Double
        var ranks: Int
        /// Per step: the gradient allreduce (ms, bytes per rank) and every collective (ms,
        /// BatchNorm's included), waits for slower ranks included.
        var gradient_allreduce_ms: Double, gradient_allreduce_bytes: Int, collectives_ms: Double
    }

    func run() throws {
        Compute.configure(threads: threads)
        let job = TimedCommunicator(Job.start())
        let shape = try inputShape.shape()
        let topology = try ResNetTopology(name: model, inputChannels: shape.channels, classes: 10)
        let net = ResNet(topology: topology, seed: 1)
        let widths = try bits.map { try BitWidthSet(parsing: $0, flag: "--bits").bits } ?? []
        let quantized =
            widths.isEmpty
            ? nil
            : try QuantizedNetwork(
                model: net, bitWidths: widths, options: QuantizerOptions(), residual: TrainingRecipe().residual)
        let macs = Double(
            try ResNetIntegerPlan(
                topology: topology, inputShape: [shape.channels, shape.height, shape.width], residual: .activation,
                precision: .uniform(8)
            ).workloads().reduce(0) { $0 + $1.macs })
        let sgd = SGD(learningRate: 0.01)
        let params = net.parameters
        let passes: [Int?] = widths.isEmpty ? [nil] : widths
        guard batch >= job.size else { throw InputError("--batch \(batch): smaller than the \(job.size) ranks") }
        if job.size > 1 {
            for bn in net.normLayers { bn.replicas = job }
            for q in quantized?.activationQuantizers ?? [] { q.replicas = job }
        }
        let part = job.share(of: batch).count, share = Float(part) / Float(batch)
        let gradients = GradientReduction(parameters: params, communicator: job)
        let r = TrainBenchmark.run(
            batch: part, channels: shape.channels, height: shape.height, width: shape.width,
            classes: 10, macsPerImage: macs * Double(passes.count), steps: steps,
            afterWarmup: {
                job.barrier()
                job.reset(); gradients.reset()
            },
            step: { x, y in
                for b in passes {
                    if let b { quantized?.set(.uniform(b)) }
                    let g = crossEntropy(logits: net.forward(x, training: true), labels: y).gradient
                    net.backward(job.size > 1 ? g * share : g)
                }
                gradients.run()
                sgd.step(params)
            })
        guard job.isRoot else { return }
        let peak = TrainBenchmark.sgemmPeak(threads: threads)
        let perStep = { (seconds: Double) in 1000 * seconds / Double(steps) }
        let report = Report(
            model: model, input: inputShape.input, batch: batch, threads: threads, bits: bits ?? "fp32",
            images_per_s: Double(batch) / r.step_ms * 1000, step_ms: r.step_ms,
            gflop_per_s: r.gflop_per_s * Double(batch) / Double(part),
            sgemm_peak_gflop_per_s: peak, fraction_of_sgemm_peak: r.gflop_per_s * Double(batch) / Double(part) / peak,
            ranks: job.size, gradient_allreduce_ms: perStep(gradients.seconds),
            gradient_allreduce_bytes: gradients.bytes,
            collectives_ms: perStep(job.seconds))
        if json { try printJSON(report); return }
        print(
            String(
                format:
                    "%@ %@ batch %d, %d threads, %@: %.1f images/s (%.1f ms/step), %.1f GFLOP/s = %.0f%% of the %.0f GFLOP/s sgemm peak",
                model, inputShape.input, batch, threads, bits ?? "fp32", report.images_per_s, r.step_ms,
                report.gflop_per_s, 100 * report.fraction_of_sgemm_peak, peak))
        if job.size > 1 {
            print(
                String(
                    format:
                        "%d ranks: gradient allreduce %.2f ms/step (%d KB), all collectives %.2f ms/step (%.1f%% of the step)",
                    job.size, report.gradient_allreduce_ms, gradients.bytes / 1024, report.collectives_ms,
                    100 * report.collectives_ms / r.step_ms))
        }
    }
}
