import PolybitTensor

#if canImport(Glibc)
    import Glibc
#endif

/// Loss value, gradient with respect to the logits, and correct top-1 predictions of a batch.
public struct LossResult: Sendable {
    /// Mean loss over the batch.
    public var loss: Float
    /// dLoss/dLogits, `[N, K]`.
    public var gradient: Tensor
    /// Number of rows whose argmax equals the label.
    public var correct: Int
}

/// Softmax of each row of `[N, K]` logits (max-subtracted for stability), optionally at a
/// temperature.
public func softmaxRows(_ logits: Tensor, temperature: Float = 1) -> Tensor {
    let n = logits.shape[0], k = logits.shape[1]
    return logits.withUnsafeBufferPointer { lp in
        Tensor(shape: logits.shape) { pp in
            for r in 0..<n {
                let row = lp.baseAddress! + r * k, out = pp.baseAddress! + r * k
                var m = -Float.infinity
                for j in 0..<k { m = max(m, row[j]) }
                var s: Float = 0
                for j in 0..<k { let e = expf((row[j] - m) / temperature); out[j] = e; s += e }
                let inv = 1 / s
                for j in 0..<k { out[j] *= inv }
            }
        }
    }
}

/// Softmax cross-entropy with label smoothing ε: the target is `(1−ε)·onehot + ε/K`.
/// Logits `[N, K]`, labels in `0..<K`.
public func crossEntropy(logits: Tensor, labels: [Int32], labelSmoothing: Float = 0) -> LossResult {
    let n = logits.shape[0], k = logits.shape[1]
    precondition(labels.count == n, "crossEntropy: \(labels.count) labels for \(n) rows")
    var grad = softmaxRows(logits)
    var loss: Double = 0
    var correct = 0
    let off = labelSmoothing / Float(k), on = 1 - labelSmoothing + off
    grad.withUnsafeMutableBufferPointer { gp in
        logits.withUnsafeBufferPointer { lp in
            for r in 0..<n {
                let p = gp.baseAddress! + r * k, row = lp.baseAddress! + r * k
                let y = Int(labels[r])
                if Vec.argmax(k, row) == y { correct += 1 }
                for j in 0..<k {
                    let target = j == y ? on : off
                    if target > 0 { loss -= Double(target) * Double(logf(max(p[j], 1e-30))) }
                    p[j] = (p[j] - target) / Float(n)
                }
            }
        }
    }
    return LossResult(loss: Float(loss / Double(n)), gradient: grad, correct: correct)
}

/// Distillation loss `T²·KL(softmax(teacher/T) ‖ softmax(student/T))`, averaged over rows;
/// the gradient is with respect to the student logits (the teacher is a constant). `correct`
/// counts rows where student and teacher agree on the top class.
public func distillationKL(student: Tensor, teacher: Tensor, temperature: Float = 1) -> LossResult {
    precondition(student.shape == teacher.shape, "distillationKL: shapes \(student.shape) vs \(teacher.shape)")
    let n = student.shape[0], k = student.shape[1]
    let ps = softmaxRows(student, temperature: temperature)
    let pt = softmaxRows(teacher, temperature: temperature)
    var loss: Double = 0, correct = 0
    let scale = temperature / Float(n)
    let grad = Tensor(shape: student.shape) { gp in
        for r in 0..<n {
            var bestStudent = 0, bestTeacher = 0
            for j in 0..<k {
                let i = r * k + j
                let t = pt.storage[i], s = ps.storage[i]
                if t > 0 { loss += Double(t) * Double(logf(t) - logf(max(s, 1e-30))) }
                gp[i] = (s - t) * scale
                if s > ps.storage[r * k + bestStudent] { bestStudent = j }
                if t > pt.storage[r * k + bestTeacher] { bestTeacher = j }
            }
            if bestStudent == bestTeacher { correct += 1 }
        }
    }
    return LossResult(loss: Float(loss) * temperature * temperature / Float(n), gradient: grad, correct: correct)
}
