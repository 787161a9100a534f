import PolybitNN
import PolybitTensor

/// An exponential moving average of a model's parameters and buffers (RFQuant's weight EMA,
/// ALGORITHMS.md §6): after every optimizer update, `average ← decay·average + (1 − decay)·value`.
/// The average is the model a run evaluates each epoch and that `eval`, `export` and `pick` load
/// (the checkpoint's `averaged/` group); training continues from the raw values. Quantizer steps
/// recomputed from the weights are left out (they follow the averaged weights).
public final class WeightAverage {
    /// The weight of the old average per update, in [0, 1).
    public let decay: Float
    let parameters: [Parameter]
    /// The average of each of `parameters`, in their order.
    private(set) var averages: [Tensor]

    /// Starts from `stored` (by parameter name, e.g. a checkpoint's `averaged` group) where it has
    /// a value of the right shape, else from the parameter's current value.
    public init(parameters: [Parameter], decay: Float, stored: [String: Tensor] = [:]) {
        self.decay = decay
        self.parameters = parameters.filter { $0.role != .statisticsStep }
        averages = self.parameters.map { p in stored[p.name].flatMap { $0.shape == p.value.shape ? $0 : nil } ?? p.value
        }
    }

    /// The averages by parameter name.
    public var values: [String: Tensor] {
        Dictionary(uniqueKeysWithValues: zip(parameters.map(\.name), averages))
    }

    /// Moves every average toward its parameter's current value.
    public func update() {
        let keep = decay, take = 1 - decay
        for i in parameters.indices {
            parameters[i].value.withUnsafeBufferPointer { v in
                averages[i].withUnsafeMutableBufferPointer { a in
                    for j in 0..<a.count { a[j] = keep * a[j] + take * v[j] }
                }
            }
        }
    }

    /// Runs `body` with the averages in the parameters, then puts the raw values back.
    public func withAverages<T>(_ body: () throws -> T) rethrows -> T {
        let raw = parameters.map(\.value)
        for (p, a) in zip(parameters, averages) { p.value = a }
        defer { for (p, r) in zip(parameters, raw) { p.value = r } }
        return try body()
    }
}
