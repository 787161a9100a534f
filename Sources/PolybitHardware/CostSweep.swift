import PolybitQuant

/// A network costed at several uniform precisions on several profiles: what `polybit cost` shows.
public struct CostSweep: Sendable {
    /// One profile's costs, one per precision (in `bits` order).
    public struct ProfileCosts: Sendable {
        /// The profile file as given by the user.
        public var file: String
        public var profile: HardwareProfile
        public var costs: [NetworkCost]
    }

    public var networkName: String
    public var input: TensorShape
    public var classes: Int
    /// Width of the stem and classifier (nil: they run at the swept precision).
    public var edgeBits: Int?
    /// Uniform operand widths b (layers run at b×b), ascending; ``Precision/floatBits`` (32) is
    /// float, costed as 32-bit operands (docs/cost-model.md).
    public var bits: [Int]
    public var profiles: [ProfileCosts]
    /// Images per batch (every cost is per batch; weights fetched once per batch).
    public var batch: Int

    /// Costs `network` (a layer list per uniform precision b×b) on every profile at every width.
    /// - Throws: `InputError` naming the profile when it cannot run a width (wider than every
    ///   width it supports, float included).
    public init(
        networkName: String, input: TensorShape, classes: Int, edgeBits: Int?, bits: [Int],
        profiles: [(file: String, profile: HardwareProfile)], batch: Int = 1,
        layers: (Precision) throws -> [LayerWorkload]
    ) throws {
        self.batch = batch
        self.networkName = networkName
        self.input = input
        self.classes = classes
        self.edgeBits = edgeBits
        self.bits = bits
        let lists = try bits.map { try layers(Precision(operandBits: $0, $0)) }
        self.profiles = try profiles.map { entry in
            let model = CostModel(profile: entry.profile)
            return ProfileCosts(
                file: entry.file, profile: entry.profile, costs: try lists.map { try model.cost($0, batch: batch) })
        }
    }

    /// A row label of the reports: the width, or `fp32` for float.
    static func label(_ bits: Int) -> String { bits == Precision.floatBits ? "fp32" : "\(bits)" }
}
