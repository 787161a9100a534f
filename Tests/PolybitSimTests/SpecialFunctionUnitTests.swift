import Foundation
import PolybitSim
import Testing

/// `SpecialFunctions.unit` computes softmax and GELU in float32: within half an output step of
/// float64, where the integer approximations are within their stated bounds.
@Suite struct SpecialFunctionUnitTests {
    func run(_ op: LayerOp, input: Quantization, output: Quantization, _ x: [Int32], unit: Bool) throws -> [Int32] {
        let model = IntegerModel(
            inputShape: [1, 4, 16], input: input,
            layers: [IntegerLayer(name: "f", op: op, inputs: ["input"], output: output)])
        let config = SimulationConfig(threads: 1, specialFunctions: unit ? .unit : .integer)
        return try IntegerSimulator(model: model, config: config).run(images: x, count: x.count / 64).outputs
    }

    @Test func softmaxOnTheUnitIsFloatRounded() throws {
        var rng = TestRNG(21)
        let qx = Quantization(bits: 16, signed: true, scale: 8.0 / 32768, zeroPoint: 0)
        let qy = Quantization(bits: 8, signed: false, scale: 1.0 / 256, zeroPoint: 0)
        let x = rng.ints(4 * 64, -32768...32767)
        let op = LayerOp.softmax(IntegerSoftmax.inputMultiplier(inputScale: qx.scale))
        let unit = try run(op, input: qx, output: qy, x, unit: true)
        let integer = try run(op, input: qx, output: qy, x, unit: false)
        var worstUnit = 0.0, worstInteger = 0.0
        for row in 0..<(x.count / 16) {
            let v = (0..<16).map { qx.scale * Double(x[row * 16 + $0]) }
            let e = v.map { exp($0 - v.max()!) }, s = e.reduce(0, +)
            for j in 0..<16 {
                worstUnit = max(worstUnit, abs(Double(unit[row * 16 + j]) / 256 - e[j] / s))
                worstInteger = max(worstInteger, abs(Double(integer[row * 16 + j]) / 256 - e[j] / s))
            }
        }
        #expect(worstUnit <= 0.5 / 256 + 1e-5, "unit: \(worstUnit)")
        #expect(worstInteger <= 0.0025 && unit != integer, "integer: \(worstInteger)")
    }

    @Test func geluOnTheUnitIsFloatRounded() throws {
        let qx = Quantization(bits: 8, signed: true, scale: 0.05, zeroPoint: 3)
        let qy = Quantization(bits: 8, signed: true, scale: 0.03, zeroPoint: -20)
        let x = (0..<256).map { Int32($0 - 128) }
        let op = LayerOp.gelu(
            IntegerGELU.inputMultiplier(inputScale: qx.scale), IntegerGELU.outputRequant(outputScale: qy.scale))
        let y = try run(op, input: qx, output: qy, x, unit: true)
        for (q, v) in zip(x, y) {
            let r = qx.scale * Double(Int(q) - 3)
            let g = min(max(0.5 * r * (1 + erf(r / 2.0.squareRoot())), -3.24), 4.41)
            #expect(abs(qy.scale * Double(Int(v) + 20) - g) <= qy.scale / 2 + 1e-5, "x = \(r)")
        }
    }
}
