import PolybitData
import PolybitNN
import PolybitQuant

/// Everything a run carries from one epoch to the next. The checkpoint, the log and the coreset
/// files of the run folder hold all of it, so a resumed run continues exactly.
struct TrainingState {
    let model: any ImageClassifier
    /// The quantizers around `model` (nil for a float model).
    let quant: QuantizedNetwork?
    let optimizer: any Optimizer
    /// Trained bit-widths (nil for a float model) and those evaluated each epoch.
    let trained: BitWidthSet?
    let deployed: BitWidthSet
    /// Input normalization fitted on the raw training split (means on the pixel grid).
    let normalization: ChannelNormalization
    let data: TrainingData
    let schedule: TrainingSchedule
    /// One record per completed epoch.
    var records: [EpochRecord]
    /// Epochs completed: the 0-based index of the next epoch.
    var epochsCompleted: Int
    /// The subsets of the latest coreset redraw (nil before the first).
    var draw: CoresetDraw?
    /// Sums each update's gradients over the ranks of the job.
    let gradients: GradientReduction
    /// The weight average updated after every step (nil without one).
    let average: WeightAverage?

    /// Optimizer updates made so far.
    var stepsCompleted: Int { schedule.firstUpdate(epochsCompleted) }
}
