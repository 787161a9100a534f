import PolybitTensor

/// Running sums of one training epoch, per trained precision (pass).
struct EpochTotals {
    /// Per pass: the sum of batch loss × batch size.
    private(set) var lossSums: [Double]
    /// Per pass: correctly classified training samples.
    private(set) var corrects: [Int]
    /// Samples each pass has trained on.
    private(set) var seen = 0
    /// The learning rate of the latest update.
    var learningRate: Float = 0

    init(passes: Int) {
        lossSums = [Double](repeating: 0, count: passes); corrects = [Int](repeating: 0, count: passes)
    }

    /// Adds pass `pass`'s update on a batch of `count` samples with mean `loss`.
    mutating func add(pass: Int, loss: Float, correct: Int, count: Int) {
        lossSums[pass] += Double(loss) * Double(count); corrects[pass] += correct
        if pass == 0 { seen += count }
    }

    /// Replaces the sums by their totals over the ranks of `communicator`.
    mutating func combine(over communicator: any Communicator) {
        guard communicator.size > 1 else { return }
        var sums = lossSums + corrects.map(Double.init) + [Double(seen)]
        communicator.sum(&sums)
        let n = lossSums.count
        lossSums = Array(sums[0..<n]); corrects = sums[n..<(2 * n)].map { Int($0) }; seen = Int(sums[2 * n])
    }

    /// Mean training loss of pass `pass`.
    func meanLoss(pass: Int) -> Double { lossSums[pass] / Double(max(1, seen)) }

    /// Mean training loss over all passes.
    var meanLoss: Double { lossSums.reduce(0, +) / Double(max(1, seen * lossSums.count)) }

    /// Training accuracy in [0, 1] over all passes.
    var accuracy: Double { Double(corrects.reduce(0, +)) / Double(max(1, seen * corrects.count)) }
}
