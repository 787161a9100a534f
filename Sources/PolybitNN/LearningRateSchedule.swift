#if canImport(Glibc)
    import Glibc
#endif

/// Cosine learning-rate decay with linear warm-up, by optimizer step.
public struct CosineSchedule: Sendable, Codable, Equatable {
    /// Peak learning rate reached at the end of warm-up.
    public var peak: Float
    /// Steps of linear warm-up from `peak / warmupSteps` to `peak`.
    public var warmupSteps: Int
    /// Total steps; the rate decays to `floor` at the last step.
    public var totalSteps: Int
    /// Final learning rate.
    public var floor: Float

    public init(peak: Float, warmupSteps: Int, totalSteps: Int, floor: Float = 0) {
        self.peak = peak; self.warmupSteps = warmupSteps; self.totalSteps = max(1, totalSteps); self.floor = floor
    }

    /// Learning rate at 0-based `step`.
    public func rate(at step: Int) -> Float {
        if step < warmupSteps { return peak * Float(step + 1) / Float(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps)
        let t = min(1, Float(step - warmupSteps) / Float(span))
        return floor + (peak - floor) * 0.5 * (1 + cosf(Float.pi * t))
    }
}
