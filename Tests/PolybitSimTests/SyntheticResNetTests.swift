import Foundation
import PolybitHDF5
import PolybitSim
import PolybitTestSupport
import Testing

/// The synthetic ResNet-20 used by `bench sim`: valid, written and read back unchanged, and the same
/// on the fast and integer paths in every requant mode.
@Suite struct SyntheticResNetTests {
    let model = IntegerModel.syntheticResNet(inputShape: [1, 12, 12], depth: 20)

    @Test func shapeAndMACs() throws {
        let shapes = try model.shapes()
        #expect(shapes["stage3.block2.add"] == [64, 3, 3])
        #expect(shapes["classifier"] == [10])
        #expect(model.layers.filter { $0.op.name == "conv" }.count == 21)
        let full = try IntegerSimulator(model: IntegerModel.syntheticResNet())
        let macs = full.macsPerImage.reduce(0, +)
        #expect(macs > 30_000_000 && macs < 32_000_000)  // ≈ 31 M MACs for 1×28×28
    }

    /// The HDF5 file reads back as the same model (onnxruntime's agreement: PolybitONNXTests).
    @Test func writesAndReadsBack() throws {
        let dir = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try model.write(to: dir + "/model.h5")
        #expect(try IntegerModel.read(path: dir + "/model.h5") == model)
        let out = try IntegerSimulator(model: model).run(images: model.randomInputs(count: 6), count: 6)
        #expect(Set(out.outputs).count > 20, "logits should spread")
    }

    @Test(arguments: RequantMode.allCases)
    func fastPathEqualsIntegerPathOnTheWholeNetwork(mode: RequantMode) throws {
        let images = model.randomInputs(count: 5, seed: 7)
        let fast = try IntegerSimulator(model: model, config: SimulationConfig(requant: mode, threads: 2, batch: 2))
        let slow = try IntegerSimulator(model: model, config: SimulationConfig(requant: mode, fastPath: false))
        #expect(fast.paths.contains(.float32GEMM))
        #expect(!slow.paths.contains(.float32GEMM))
        let a = fast.run(images: images, count: 5), b = slow.run(images: images, count: 5)
        #expect(a.outputs == b.outputs)
        #expect(a.layers.allSatisfy { $0.overflow.events == 0 })
    }

    @Test func reportCountsCorrectPredictions() throws {
        let images = model.randomInputs(count: 8, seed: 3)
        let sim = try IntegerSimulator(model: model)
        let predicted = sim.run(images: images, count: 8).argmax.map(Int32.init)
        var labels = predicted
        labels[0] = (labels[0] + 1) % 10
        labels[5] = (labels[5] + 1) % 10
        let report = try SimulationReport.evaluate(
            model: model, modelName: "synthetic",
            inputs: InputSet(images: images, labels: labels, count: 8),
            config: SimulationConfig())
        #expect(report.correct == 6 && report.accuracy == 0.75)
        #expect(report.macsPerImage == sim.macsPerImage.reduce(0, +))
    }
}
