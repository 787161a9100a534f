import Foundation
import PolybitTensor

/// One line of a run's `log.jsonl`: what an epoch did.
public struct EpochRecord: Codable, Equatable, Sendable {
    public var epoch: Int
    public var train_loss: Double
    public var train_accuracy: Double
    public var test_loss: Double
    public var test_accuracy: Double
    public var learning_rate: Double
    public var seconds: Double
    public var images_per_s: Double
    /// Multi-bit runs: test accuracy at every deployed precision ("fp32", "2-bit", ...).
    public var test_accuracy_by_precision: [String: Double]?
    /// Multi-bit runs: mean training loss of each trained precision.
    public var train_loss_by_precision: [String: Double]?
}

/// The per-epoch log of a run folder (`log.jsonl`, one JSON object per line).
public struct TrainingLog {
    public let path: String
    public init(runDirectory: String) { path = runDirectory + "/log.jsonl" }

    /// The records on disk (empty when there is no log yet).
    public func records() throws -> [EpochRecord] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map {
            try JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8))
        }
    }

    /// Replaces the log with `records` (atomically).
    public func write(_ records: [EpochRecord]) throws {
        let lines = try records.map { try jsonText($0) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
    }
}
