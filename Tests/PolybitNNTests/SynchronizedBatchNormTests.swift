import Foundation
import PolybitNN
import PolybitTensor
import Testing

/// Ranks on threads of one process: every collective waits for all ranks' buffers, then each rank
/// adds them in rank order (so every rank gets the same bits, as MPI gives them).
final class ThreadRanks: @unchecked Sendable {
    let size: Int
    private let condition = NSCondition()
    private var slots: [[Double]?]
    private var arrivals = 0, departures = 0, arrived = 0, departed = 0

    init(size: Int) { self.size = size; slots = Array(repeating: nil, count: size) }

    /// The element-wise sum over the ranks of every rank's `values`.
    func sum(_ values: [Double], rank: Int) -> [Double] {
        condition.lock()
        defer { condition.unlock() }
        let arrival = arrivals
        slots[rank] = values
        arrived += 1
        if arrived == size {
            arrivals += 1; arrived = 0
            condition.broadcast()
        } else {
            while arrivals == arrival { condition.wait() }
        }
        let total = slots.compactMap { $0 }.reduce(into: [Double](repeating: 0, count: values.count)) { acc, v in
            for i in acc.indices { acc[i] += v[i] }
        }
        // Nobody deposits the next call's values before every rank has read these.
        let departure = departures
        departed += 1
        if departed == size {
            departures += 1; departed = 0; slots = Array(repeating: nil, count: size)
            condition.broadcast()
        } else {
            while departures == departure { condition.wait() }
        }
        return total
    }
}

/// One rank of `ThreadRanks` as a `Communicator`.
final class ThreadRank: Communicator, @unchecked Sendable {
    let ranks: ThreadRanks
    let rank: Int
    var size: Int { ranks.size }
    init(_ ranks: ThreadRanks, rank: Int) { self.ranks = ranks; self.rank = rank }

    func sum(_ values: UnsafeMutableBufferPointer<Float>) {
        let total = ranks.sum(values.map(Double.init), rank: rank)
        for i in values.indices { values[i] = Float(total[i]) }
    }
    func sum(_ values: UnsafeMutableBufferPointer<Double>) {
        let total = ranks.sum(Array(values), rank: rank)
        for i in values.indices { values[i] = total[i] }
    }
    func maximum(_ values: UnsafeMutableBufferPointer<Double>) { fatalError("not used") }
    func barrier() { _ = ranks.sum([], rank: rank) }
    func abort(code: Int32) -> Never { fatalError("abort \(code)") }
    func split(group: Int) -> any Communicator { self }
}

/// One thread per layer, each running `body(rank, layer)`; `start` returns when all are done.
final class Ranks: @unchecked Sendable {
    let layers: [BatchNorm2d]
    private(set) var results: [(Tensor, Tensor)?]
    init(layers: [BatchNorm2d]) { self.layers = layers; results = Array(repeating: nil, count: layers.count) }

    func start(_ body: @escaping @Sendable (Int, BatchNorm2d) -> (Tensor, Tensor)) {
        let done = DispatchSemaphore(value: 0)
        for r in layers.indices {
            Thread {
                self.results[r] = body(r, self.layers[r])
                done.signal()
            }.start()
        }
        for _ in layers { done.wait() }
    }
}

/// `BatchNorm2d.replicas`: two ranks with half a batch each normalize, update their running
/// statistics and backpropagate as one BatchNorm over the whole batch (to float rounding), and
/// their γ and β gradients add up to its.
@Suite struct SynchronizedBatchNormTests {
    /// Samples `range` of a `[C, N, H, W]` tensor.
    static func samples(_ x: Tensor, _ range: Range<Int>) -> Tensor {
        let (c, n, hw) = (x.shape[0], x.shape[1], x.shape[2] * x.shape[3])
        var out: [Float] = []
        for ch in 0..<c { out += x.storage[(ch * n + range.lowerBound) * hw..<(ch * n + range.upperBound) * hw] }
        return Tensor(shape: [c, range.count, x.shape[2], x.shape[3]], storage: out)
    }

    static func close(_ a: [Float], _ b: [Float], _ what: String) {
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        #expect(a.count == b.count && worst < 1e-5, "\(what): largest difference \(worst)")
    }

    @Test(arguments: [false, true])
    func twoHalvesNormalizeAsTheWholeBatch(relu: Bool) throws {
        var rng = SeededRNG(seed: 9)
        let x = Tensor.randomNormal([3, 6, 4, 4], std: 2, rng: &rng) + Tensor(shape: [3, 6, 4, 4], repeating: 0.5)
        let dy = Tensor.randomNormal([3, 6, 4, 4], std: 1, rng: &rng)
        let gamma = Tensor.randomNormal([3], std: 0.3, rng: &rng) + Tensor(shape: [3], repeating: 1)
        func layer() -> BatchNorm2d {
            let bn = BatchNorm2d(name: "bn", channels: 3, appliesReLU: relu)
            bn.gamma.value = gamma
            return bn
        }
        let whole = layer()
        let y = whole.forward(x, training: true), dx = whole.backward(dy)
        let ranks = ThreadRanks(size: 2), parts = [0..<2, 2..<6]  // unequal parts
        let run = Ranks(layers: parts.map { _ in layer() })
        run.start { r, bn in
            bn.replicas = ThreadRank(ranks, rank: r)
            let out = bn.forward(Self.samples(x, parts[r]), training: true)
            return (out, bn.backward(Self.samples(dy, parts[r])))
        }
        let halves = run.layers, outputs = run.results.map { $0?.0 }, gradients = run.results.map { $0?.1 }
        for r in 0..<2 {
            Self.close(outputs[r]!.storage, Self.samples(y, parts[r]).storage, "output of rank \(r)")
            Self.close(gradients[r]!.storage, Self.samples(dx, parts[r]).storage, "input gradient of rank \(r)")
            Self.close(halves[r].runningMean.value.storage, whole.runningMean.value.storage, "running mean")
            Self.close(halves[r].runningVar.value.storage, whole.runningVar.value.storage, "running variance")
        }
        Self.close(
            zip(halves[0].gamma.grad.storage, halves[1].gamma.grad.storage).map(+), whole.gamma.grad.storage, "γ grad")
        Self.close(
            zip(halves[0].beta.grad.storage, halves[1].beta.grad.storage).map(+), whole.beta.grad.storage, "β grad")
    }
}
