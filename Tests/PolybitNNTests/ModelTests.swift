import PolybitNN
import PolybitTensor
import Testing

/// Wraps a classifier as a layer (logits out, no input gradient) for gradient checks.
final class ClassifierLayer: Layer {
    let model: any ImageClassifier
    init(_ model: any ImageClassifier) { self.model = model }
    func forward(_ x: Tensor, training: Bool) -> Tensor { model.forward(x, training: training) }
    func backward(_ g: Tensor) -> Tensor { model.backward(g); return Tensor(shape: [0]) }
    var parameters: [Parameter] { model.parameters }
}

@Suite struct ModelTests {
    init() { Compute.configure(threads: 2) }

    @Test func resnetGradients() {
        var rng = SeededRNG(seed: 1)
        let net = ResNet(depth: 8, inputChannels: 1, classes: 3, seed: 2)
        checkGradients(
            ClassifierLayer(net), input: .randomNormal([4, 1, 8, 8], std: 1, rng: &rng),
            samples: 4, epsilon: 1e-2, tolerance: 5e-2, checkInput: false)
    }

    @Test func vitGradients() {
        var rng = SeededRNG(seed: 3)
        let net = ViT(inputChannels: 1, height: 8, width: 8, classes: 3, patch: 4, dim: 8, depth: 2, heads: 2, seed: 4)
        checkGradients(
            ClassifierLayer(net), input: .randomNormal([2, 1, 8, 8], std: 1, rng: &rng),
            samples: 4, checkInput: false)
    }

    @Test func resnet20HasTheExpectedSize() {
        let net = ResNet(depth: 20, inputChannels: 3, classes: 10, seed: 1)
        let count = net.parameters.filter { $0.role != .buffer }.reduce(0) { $0 + $1.value.count }
        // 0.27 M in He et al. with identity shortcuts; projections add 16·32 + 32·64 weights + BN.
        #expect(count > 268_000 && count < 280_000, "\(count) parameters")
        #expect(net.weightedLayers.count == 22)
        #expect(net.weightedLayers.first === net.stem && net.weightedLayers.last === net.classifier)
    }

    @Test func crossEntropyWithSmoothingMatchesHandComputation() {
        let logits = Tensor(shape: [1, 3], storage: [1, 2, 3])
        let r = crossEntropy(logits: logits, labels: [2], labelSmoothing: 0.3)
        let e = [1, 2, 3].map { Double(exp(Float($0))) }
        let p = e.map { $0 / e.reduce(0, +) }
        let target = [0.1, 0.1, 0.8]
        let expected = -zip(target, p).reduce(0) { $0 + $1.0 * log($1.1) }
        #expect(abs(Double(r.loss) - expected) < 1e-5)
        for j in 0..<3 { #expect(abs(Double(r.gradient.storage[j]) - (p[j] - target[j])) < 1e-6) }
        #expect(r.correct == 1)
    }

    @Test func distillationGradientIsNumerical() {
        var rng = SeededRNG(seed: 5)
        let s = Tensor.randomNormal([3, 4], std: 1, rng: &rng), t = Tensor.randomNormal([3, 4], std: 1, rng: &rng)
        let r = distillationKL(student: s, teacher: t, temperature: 2)
        for i in 0..<12 {
            var p = s, m = s
            p.storage[i] += 1e-2; m.storage[i] -= 1e-2
            let num =
                (distillationKL(student: p, teacher: t, temperature: 2).loss
                    - distillationKL(student: m, teacher: t, temperature: 2).loss) / 2e-2
            #expect(abs(num - r.gradient.storage[i]) < 2e-3)
        }
        #expect(distillationKL(student: t, teacher: t).loss < 1e-6)
    }

    @Test func optimizersDescend() {
        for make in [{ SGD(learningRate: 0.1) as any Optimizer }, { AdamW(learningRate: 0.05, weightDecay: 0) }] {
            let p = Parameter(name: "w", role: .weight, value: Tensor(shape: [2], storage: [3, -2]))
            let opt = make()
            for _ in 0..<200 {
                p.grad = Tensor(shape: [2], storage: p.value.storage.map { 2 * $0 })  // d/dw of w²
                opt.step([p])
            }
            #expect(p.value.storage.allSatisfy { abs($0) < 0.1 }, "\(type(of: opt)) ended at \(p.value.storage)")
            #expect(p.grad.storage == [0, 0])
        }
    }

    @Test func cosineScheduleWarmsUpAndDecays() {
        let s = CosineSchedule(peak: 0.1, warmupSteps: 10, totalSteps: 110)
        #expect(abs(s.rate(at: 0) - 0.01) < 1e-7)
        #expect(abs(s.rate(at: 9) - 0.1) < 1e-7)
        #expect(abs(s.rate(at: 60) - 0.05) < 1e-6)
        #expect(s.rate(at: 110) < 1e-7)
    }
}

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct BatchNormRecalibrationTests {
    /// After recalibration on two batches, the stem BatchNorm's running mean is the average of
    /// the two batches' stem-conv channel means, whatever it was before; momentum is restored.
    @Test func runningStatisticsBecomeTheBatchAverage() {
        let net = ResNet(depth: 8, inputChannels: 1, classes: 3, seed: 4)
        var rng = SeededRNG(seed: 5)
        let batches = (0..<2).map { _ in Tensor.randomNormal([6, 1, 8, 8], std: 1, rng: &rng) }
        net.stemBN.runningMean.value = Tensor(shape: [16], repeating: 7)
        #expect(net.recalibrateBatchNorm(with: batches) == 2)
        let channelMeans = batches.map { images -> [Double] in
            let y = net.stem.forward(Layout.swapOuter(images), training: false)
            let per = y.count / 16
            return (0..<16).map { c in
                y.storage[(c * per)..<((c + 1) * per)].reduce(0.0) { $0 + Double($1) } / Double(per)
            }
        }
        for c in 0..<16 {
            let expected = (channelMeans[0][c] + channelMeans[1][c]) / 2
            #expect(abs(Double(net.stemBN.runningMean.value.storage[c]) - expected) < 1e-4)
        }
        #expect(net.stemBN.momentum == 0.1)
    }
}
