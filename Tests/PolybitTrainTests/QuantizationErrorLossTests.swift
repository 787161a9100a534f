import Foundation
import PolybitTrain
import Testing

struct QuantizationErrorLossTests {
    /// λ(t) is 0 up to 40% of the updates, λ/2 halfway through the ramp (70%), λ at the end.
    @Test func rampsByAHalfCosineFromFortyPercent() {
        #expect(QuantizationErrorLoss.weight(0.1, update: 0, total: 100) == 0)
        #expect(QuantizationErrorLoss.weight(0.1, update: 39, total: 100) == 0)
        #expect(QuantizationErrorLoss.weight(0.1, update: 40, total: 100) == 0)
        #expect(abs(QuantizationErrorLoss.weight(0.1, update: 70, total: 100) - 0.05) < 1e-7)
        #expect(abs(QuantizationErrorLoss.weight(0.1, update: 100, total: 100) - 0.1) < 1e-7)
        let rising = (40...100).map { QuantizationErrorLoss.weight(0.1, update: $0, total: 100) }
        #expect(zip(rising, rising.dropFirst()).allSatisfy { $0 <= $1 })
    }

    /// Weights [0.3, −0.9] on the grid points [0.5, −1] at weight 2: loss 2·(0.04 + 0.01)/2 = 0.05,
    /// gradient 2·2·(w − q)/2 = [−0.4, 0.2] added to [1, 1]; and it is the loss's derivative.
    @Test func gradientIsHandWorkedAndTheLossDerivative() {
        var grad: [Float] = [1, 1]
        let loss = QuantizationErrorLoss.addGradient(&grad, weights: [0.3, -0.9], grid: [0.5, -1], weight: 2)
        #expect(abs(loss - 0.05) < 1e-6)
        #expect(abs(grad[0] - 0.6) < 1e-6 && abs(grad[1] - 1.2) < 1e-6, "\(grad)")
        let h: Float = 1e-3
        var scratch: [Float] = [0, 0]
        let up = QuantizationErrorLoss.addGradient(&scratch, weights: [0.3 + h, -0.9], grid: [0.5, -1], weight: 2)
        let down = QuantizationErrorLoss.addGradient(&scratch, weights: [0.3 - h, -0.9], grid: [0.5, -1], weight: 2)
        #expect(abs((up - down) / (2 * h) - (grad[0] - 1)) < 1e-3)
    }
}
