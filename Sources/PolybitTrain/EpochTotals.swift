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

    /// Mean training loss of pass `pass`.
    func meanLoss(pass: Int) -> Double { lossSums[pass] / Double(max(1, seen)) }

    /// Mean training loss over all passes.
    var meanLoss: Double { lossSums.reduce(0, +) / Double(max(1, seen * lossSums.count)) }

    /// Training accuracy in [0, 1] over all passes.
    var accuracy: Double { Double(corrects.reduce(0, +)) / Double(max(1, seen * corrects.count)) }
}
