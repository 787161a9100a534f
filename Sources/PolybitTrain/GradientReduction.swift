import PolybitNN
import PolybitTensor

/// Sums the gradients of `parameters` over the ranks of a data-parallel job in one collective per
/// update: packed into one buffer in parameter order, summed (`Communicator.sum`), written back.
/// Each rank's gradient must already be its share of the whole batch's (its loss scaled by its
/// part of the batch), so the sum is the gradient one process would compute. Counts the
/// collectives and the seconds they take.
public final class GradientReduction {
    public let communicator: any Communicator
    let parameters: [Parameter]
    private var buffer: [Float]
    /// Reductions run so far, and the wall-clock seconds spent in them.
    public private(set) var count = 0
    public private(set) var seconds = 0.0

    /// A reduction of the trainable ones of `parameters`.
    public init(parameters: [Parameter], communicator: any Communicator) {
        self.communicator = communicator
        self.parameters = parameters.filter(\.isTrainable)
        buffer = [Float](repeating: 0, count: self.parameters.reduce(0) { $0 + $1.value.count })
    }

    /// Bytes each rank contributes to one reduction (4 per trainable value).
    public var bytes: Int { buffer.count * MemoryLayout<Float>.size }

    /// Replaces every gradient by its sum over the ranks (nothing with one rank).
    public func run() {
        guard communicator.size > 1 else { return }
        let start = Clock.seconds()
        buffer.withUnsafeMutableBufferPointer { b in
            var offset = 0
            for p in parameters {
                p.grad.withUnsafeBufferPointer { g in
                    (b.baseAddress! + offset).update(from: g.baseAddress!, count: g.count)
                }
                offset += p.grad.count
            }
            communicator.sum(b)
            offset = 0
            for p in parameters {
                p.grad.withUnsafeMutableBufferPointer { g in
                    g.baseAddress!.update(from: b.baseAddress! + offset, count: g.count)
                }
                offset += p.grad.count
            }
        }
        count += 1
        seconds += Clock.seconds() - start
    }

    /// Sets the counts to zero (e.g. after warm-up steps).
    public func reset() { count = 0; seconds = 0 }
}
