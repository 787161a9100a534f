import ArgumentParser
import Foundation
import PolybitNN
import PolybitTensor
import PolybitTrain

/// `polybit bench train`: images per second of a float training step.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Images per second of a training step (forward, backward, SGD update) on random data.")

    @Option(help: "Model: resnet20, resnet32, resnet56.") var model = "resnet20"
    @Option(help: "Batch size.") var batch = 128
    @Option(help: "Input as CxHxW.") var input = "1x28x28"
    @Option(help: "Threads for BLAS and parallel loops.") var threads = 2
    @Option(help: "Timed steps.") var steps = 10
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        Compute.configure(threads: threads)
        let dims = input.split(separator: "x").compactMap { Int($0) }
        guard dims.count == 3, dims.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--input must look like 1x28x28, got '\(input)'")
        }
        guard model.hasPrefix("resnet"), let depth = Int(model.dropFirst(6)), (depth - 2) % 6 == 0 else {
            throw ValidationError("--model must be resnet20, resnet32 or resnet56, got '\(model)'")
        }
        let net = ResNet(depth: depth, inputChannels: dims[0], classes: 10, seed: 1)
        let sgd = SGD(learningRate: 0.01)
        let params = net.parameters
        let r = TrainBenchmark.run(model: net, batch: batch, channels: dims[0], height: dims[1], width: dims[2],
                                   classes: 10, macsPerImage: 31e6, steps: steps) { x, y in
            let logits = net.forward(x, training: true)
            let loss = crossEntropy(logits: logits, labels: y)
            net.backward(loss.gradient)
            sgd.step(params)
        }
        if json {
            try printJSON(r)
        } else {
            print("\(model) \(input) batch \(batch), \(threads) threads: \(String(format: "%.0f", r.images_per_s)) images/s, \(String(format: "%.1f", r.step_ms)) ms/step")
        }
    }
}
