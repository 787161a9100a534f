/// The cost of a whole network on one profile for a batch of images: its layers and their totals
/// (per batch; `…PerImage` divides by the batch). Layers run one after another, so cycles, latency
/// and energy add up; the peak activation memory is the largest live set.
public struct NetworkCost: Sendable, Hashable {
    public var profile: HardwareProfile
    public var layers: [LayerCost]
    /// True when all weights stay on chip between inferences (no per-inference weight traffic).
    public var weightsResident: Bool
    /// Images costed together (weights fetched once per batch, activations per image).
    public var batch: Int

    public init(profile: HardwareProfile, layers: [LayerCost], weightsResident: Bool, batch: Int = 1) {
        self.profile = profile
        self.layers = layers
        self.weightsResident = weightsResident
        self.batch = batch
    }

    public var macs: Int { layers.reduce(0) { $0 + $1.macs } }
    /// Σ MACs·b_w·b_a at the requested widths.
    public var bitOps: Int { layers.reduce(0) { $0 + $1.bitOps } }
    /// All weights at their requested widths (packed), in bits.
    public var weightBits: Int { layers.reduce(0) { $0 + $1.weightBits } }
    /// All weights as the hardware stores them, in bits.
    public var weightStoredBits: Int { layers.reduce(0) { $0 + $1.weightStoredBits } }
    /// Largest live activation set at requested widths, in bits.
    public var peakActivationBits: Int { layers.map(\.liveActivationBits).max() ?? 0 }
    /// Largest live activation set as stored, in bits.
    public var peakActivationStoredBits: Int { layers.map(\.liveActivationStoredBits).max() ?? 0 }
    /// Off-chip traffic in bits.
    public var dramBits: Int { layers.reduce(0) { $0 + $1.dramBits } }
    public var computeCycles: Int { layers.reduce(0) { $0 + $1.computeCycles } }
    /// MACs / Σ (compute cycles · peak MACs per cycle) over the MAC layers, in 0...1.
    public var utilization: Double {
        let slots = layers.reduce(0) { $0 + $1.mapping.macSlots }
        return slots > 0 ? Double(macs) / slots : 0
    }
    public var memoryCycles: Double { layers.reduce(0) { $0 + $1.memoryCycles } }
    /// Σ per-layer stall cycles (first fills and steady-state stalls).
    public var stallCycles: Double { layers.reduce(0) { $0 + $1.stallCycles } }
    /// Σ per-layer compute + stall cycles.
    public var latencyCycles: Double { layers.reduce(0) { $0 + $1.latencyCycles } }
    public var latencySeconds: Double { layers.reduce(0) { $0 + $1.latencySeconds } }
    public var energy: EnergySplit {
        layers.reduce(EnergySplit.zero(levels: profile.memories.count)) { $0 + $1.energy }
    }
    /// Latency of the batch divided by its images, in seconds.
    public var latencySecondsPerImage: Double { latencySeconds / Double(batch) }
    /// Energy of the batch divided by its images, in pJ.
    public var energyPJPerImage: Double { energy.totalPJ / Double(batch) }
    /// Distinct layer notes with how many MAC layers each applies to, e.g.
    /// `3x3 runs as 4x4 on 20 of 22 MAC layers`.
    public var notes: [String] {
        let macLayers = layers.filter(\.kind.usesArray).count
        var order: [String] = []
        var count: [String: Int] = [:]
        for note in layers.compactMap(\.note) {
            if count[note] == nil { order.append(note) }
            count[note, default: 0] += 1
        }
        return order.map { note in
            count[note] == macLayers
                ? "\(note) on all MAC layers" : "\(note) on \(count[note]!) of \(macLayers) MAC layers"
        }
    }
}
