import PolybitNN
import PolybitQuant
import PolybitTensor
import PolybitTrain
import Testing

/// IDM: the BatchNorm after each sampled conv, and the gradient `2λ(y − y_max)/n` at exactly the
/// layers a subnet runs at their lowest candidate weight width.
@Suite struct InformationDistortionMitigationTests {
    @Test func pairsEachConvWithTheBatchNormAfterIt() {
        #expect(InformationDistortionMitigation.normLayerName(ofConv: "stage1.block0.conv1") == "stage1.block0.bn1")
        #expect(
            InformationDistortionMitigation.normLayerName(ofConv: "stage2.block0.shortcut.conv")
                == "stage2.block0.shortcut.bn")
        #expect(InformationDistortionMitigation.normLayerName(ofConv: "classifier") == nil)
    }

    @Test func theGradientGoesToTheLowestWidthLayersOnly() throws {
        let (quant, sampler) = try BitWidthSamplerTests.network()
        let model = quant.model
        var idm = InformationDistortionMitigation(weight: 0.01, model: model, layers: sampler.weightUnits)
        #expect(idm.normLayers.count == sampler.weightUnits.count, "every sampled conv has its BatchNorm")
        var rng = SeededRNG(seed: 3)
        let x = Tensor.randomNormal([4, 1, 28, 28], std: 1, rng: &rng)
        idm.startStep()
        quant.set(Precision.uniform(sampler.highest))
        _ = model.forward(x, training: true)
        idm.recordTeacher()
        // Every unit at 4 bits except one conv at its lowest candidate, 2.
        let low = sampler.weightUnits[2]
        var weights = Array(repeating: 4, count: sampler.weightUnits.count)
        weights[2] = 2
        let policy = sampler.policy(
            weights: weights, activations: Array(repeating: 4, count: sampler.activationUnits.count))
        quant.set(policy)
        _ = model.forward(x, training: true)
        let lowest = Dictionary(uniqueKeysWithValues: sampler.weightUnits.map { ($0, 2) })
        let loss = idm.attach(policy: policy, lowest: lowest)
        for (conv, bn) in idm.normLayers where conv != low { #expect(bn.extraOutputGradient == nil, "\(conv)") }
        let bn = try #require(idm.normLayers[low]), y = try #require(bn.lastOutput), t = try #require(idm.teacher[low])
        let g = try #require(bn.extraOutputGradient)
        let n = Float(y.count)
        for i in stride(from: 0, to: y.count, by: 97) {
            #expect(abs(g.storage[i] - 2 * 0.01 * (y.storage[i] - t.storage[i]) / n) <= 1e-9)
        }
        let mse = zip(y.storage, t.storage).reduce(0.0) { $0 + Double(($1.0 - $1.1) * ($1.0 - $1.1)) } / Double(n)
        #expect(abs(Double(loss) - 0.01 * mse) <= 1e-6 * max(1, 0.01 * mse) && mse > 0)
        idm.finishStep()
        #expect(idm.normLayers.values.allSatisfy { !$0.keepsOutput && $0.extraOutputGradient == nil })
    }
}
