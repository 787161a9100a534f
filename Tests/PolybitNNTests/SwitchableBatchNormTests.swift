import PolybitNN
import PolybitTensor
import Testing

@Suite struct SwitchableBatchNormTests {
    init() { Compute.configure(threads: 2) }

    /// A BatchNorm with sets for `bits`, each set's values random and distinct.
    func randomSwitchable(bits: [Int], channels: Int = 3, seed: UInt64 = 7) -> BatchNorm2d {
        var rng = SeededRNG(seed: seed)
        let bn = BatchNorm2d(name: "bn", channels: channels)
        bn.makeSwitchable(bits: bits)
        for p in bn.parameters {
            let r = Tensor.randomNormal([channels], std: 1, rng: &rng)
            p.value =
                p.name.hasSuffix("running_var")
                ? Tensor(shape: [channels], storage: r.storage.map { 0.5 + $0 * $0 }) : r
        }
        return bn
    }

    @Test func oneNamedSetPerWidth() {
        let bn = BatchNorm2d(name: "stem.bn", channels: 2)
        #expect(
            bn.parameters.map(\.name) == [
                "stem.bn.gamma", "stem.bn.beta", "stem.bn.running_mean", "stem.bn.running_var",
            ])
        #expect(bn.selectedBits == nil)
        bn.makeSwitchable(bits: [4, 2, BatchNorm2d.floatBits])
        #expect(bn.switchableBits == [2, 4, 32])
        #expect(
            bn.parameters.map(\.name)
                == ["2bit", "4bit", "fp32"].flatMap { w in
                    ["gamma", "beta", "running_mean", "running_var"].map { "stem.bn.\(w).\($0)" }
                })
        #expect(bn.parameters.filter(\.isTrainable).count == 6)
        #expect(bn.selectedBits == 32)
        #expect(bn.gamma.value.storage == [1, 1] && bn.runningVar.value.storage == [1, 1])
    }

    /// Untrained widths use the nearest width with a set (float counting as 32), ties to the higher.
    @Test func untrainedWidthsUseTheNearestSet() {
        let bn = BatchNorm2d(name: "bn", channels: 1)
        bn.makeSwitchable(bits: [2, 4, 8])
        let expected: [(Int?, Int)] = [(2, 2), (3, 4), (4, 4), (5, 4), (6, 8), (7, 8), (8, 8), (16, 8), (nil, 8)]
        for (bits, set) in expected {
            bn.select(bits: bits)
            #expect(bn.selectedBits == set, "\(bits.map(String.init) ?? "float") → \(bn.selectedBits!)")
            #expect(bn.gamma.name == "bn.\(set)bit.gamma")
        }
        let withFloat = BatchNorm2d(name: "bn", channels: 1)
        withFloat.makeSwitchable(bits: [2, 8, BatchNorm2d.floatBits])
        for (bits, set) in [(5, 8), (16, 8), (nil, 32)] as [(Int?, Int)] {
            withFloat.select(bits: bits)
            #expect(withFloat.selectedBits == set)
        }
        let shared = BatchNorm2d(name: "bn", channels: 1)
        let gamma = shared.gamma
        shared.select(bits: 4)
        #expect(shared.gamma === gamma && shared.selectedBits == nil)
    }

    /// Forward, running statistics and gradients use the selected set only.
    @Test func selectedSetAloneIsUsedAndTrained() {
        var rng = SeededRNG(seed: 3)
        let x = Tensor.randomNormal([3, 4, 3, 3], std: 2, rng: &rng)
        let bn = randomSwitchable(bits: [2, 4])
        let before = bn.parameters.map(\.value)
        bn.select(bits: 4)
        let y4 = bn.forward(x, training: false)
        bn.select(bits: 2)
        #expect(bn.forward(x, training: false) != y4)
        // A lone shared BatchNorm with set 4's values gives set 4's outputs.
        let alone = BatchNorm2d(name: "alone", channels: 3)
        for (p, q) in zip(alone.parameters, bn.parameters[4..<8]) { p.value = q.value }
        #expect(alone.forward(x, training: false) == y4)

        bn.select(bits: 4)
        _ = bn.forward(x, training: true)
        bn.select(bits: 2)  // backward follows the set of the forward, whatever is selected now
        _ = bn.backward(Tensor.randomNormal(x.shape, std: 1, rng: &rng))
        for (k, p) in bn.parameters.enumerated() {
            let changed = p.value != before[k] || p.grad.storage.contains { $0 != 0 }
            #expect(changed == (4..<8).contains(k), "\(p.name)")
        }
        bn.select(bits: 4)
        checkGradients(bn, input: x, epsilon: 1e-2, tolerance: 3e-2)
    }
}
