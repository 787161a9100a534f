import PolybitTrain
import Testing

struct FairnessRegularizationTests {
    /// Step 1 at 2 bits: clipping range [−2, 1]. 0.5 and −1.5 lie inside and lose wd·w of their
    /// gradient (wd = 0.1: −0.05 and +0.15); 3 and −3 lie outside and keep theirs; the ends count.
    @Test func cancelsDecayInsideTheClippingRangeOnly() {
        var grad: [Float] = [1, 1, 1, 1, 1, 1]
        FairnessRegularization.addGradient(&grad, weights: [0.5, -1.5, 3, -3, 1, -2], step: 1, weightDecay: 0.1)
        let expected: [Float] = [0.95, 1.15, 1, 1, 0.9, 1.2]
        for (g, e) in zip(grad, expected) { #expect(abs(g - e) < 1e-6, "\(grad)") }
    }
}
