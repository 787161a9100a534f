import Foundation
import PolybitSim
import PolybitTestSupport

/// A small deterministic generator for test data (SplitMix64).
struct TestRNG {
    var state: UInt64
    init(_ seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform integer in `range`.
    mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
    mutating func ints(_ n: Int, _ range: ClosedRange<Int>) -> [Int32] { (0..<n).map { _ in Int32(int(range)) } }
}

/// A one-conv model with the given geometry and parameters.
func convModel(
    c: Int, h: Int, w: Int, weights: [Int32], o: Int, k: Int, stride: Int = 1, padding: Int = 0,
    bias: [Int32]? = nil, zc: [Int64]? = nil, zcBits: Int = 0, biasFraction: [Int64]? = nil,
    weightBits: Int = 8,
    input: Quantization = Quantization(bits: 8, signed: true, scale: 0.1, zeroPoint: 0),
    output: Quantization = Quantization(bits: 8, signed: true, scale: 0.1, zeroPoint: 0),
    requantReal: [Double] = [0.001]
) -> IntegerModel {
    let layer = WeightedLayer(
        weights: weights, weightShape: [o, c, k, k], weightBits: weightBits, weightScale: [0.01],
        bias: bias ?? [Int32](repeating: 0, count: o), zc: zc, zcFractionBits: zcBits, biasFraction: biasFraction,
        requant: Requantization(reals: requantReal), stride: [stride, stride], padding: [padding, padding])
    return IntegerModel(
        inputShape: [c, h, w], input: input,
        layers: [IntegerLayer(name: "conv", op: .conv(layer), inputs: ["input"], output: output)])
}
