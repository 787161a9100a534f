import PolybitSim
import PolybitTensor

extension SimulationConfig {
    /// The arithmetic of `profile`'s compute array: its `requant` mode and an accumulator of
    /// `accumulator_bits` bits that does what `accumulator_overflow` says (docs/cost-model.md), and
    /// its `special_functions`.
    /// The operand widths need no setting: codes of b bits run unchanged in the array's wider
    /// operands (``ExecutionPrecision``), so only the accumulator and requantization differ.
    public init(profile: HardwareProfile, fastPath: Bool = true, threads: Int = Parallel.threads, batch: Int = 8) {
        self.init(
            requant: profile.compute.requant,
            accumulator: AccumulatorModel(
                bits: profile.compute.accumulatorBits,
                overflow: profile.compute.accumulatorOverflow),
            fastPath: fastPath, threads: threads, batch: batch, specialFunctions: profile.compute.specialFunctions)
    }
}

/// Where a simulation setting came from.
public enum SettingSource: String, Sendable, Codable {
    /// The hardware profile(s) given with `--profile`.
    case profile
    /// A command-line flag (which overrides the profile).
    case flag
    /// Neither: the simulator's default (onnx, 32 bits, wrap).
    case `default`
}

/// Settings given explicitly (on the command line); nil means "not given".
public struct ArithmeticOverrides: Sendable, Equatable {
    public var requant: RequantMode?
    /// Accumulator width in bits.
    public var accumulatorBits: Int?
    public var overflow: OverflowMode?

    public init(requant: RequantMode? = nil, accumulatorBits: Int? = nil, overflow: OverflowMode? = nil) {
        self.requant = requant; self.accumulatorBits = accumulatorBits; self.overflow = overflow
    }
}

/// The integer arithmetic a simulation runs (requantization mode, accumulator width and overflow)
/// and where each setting came from: a flag, else the profiles, else the default.
public struct SimulationArithmetic: Sendable, Equatable, Encodable {
    public var requant: RequantMode
    public var accumulator: AccumulatorModel
    public var requantSource: SettingSource
    public var accumulatorBitsSource: SettingSource
    public var overflowSource: SettingSource
    /// How softmax, GELU and LayerNorm run (no flag: the profiles' `special_functions`, else integer).
    public var specialFunctions: SpecialFunctions
    public var specialFunctionsSource: SettingSource
    /// The profile files given (the source of every `profile` setting).
    public var profiles: [String]

    /// Resolves each setting: an override wins, else the profiles' value, else the default. Several
    /// profiles must agree on every setting no override fixes, since one simulation runs for all.
    /// - Throws: `InputError` naming two disagreeing profile files, the setting and the flag that
    ///   would settle it.
    public init(profiles: [(file: String, profile: HardwareProfile)], overrides: ArithmeticOverrides) throws {
        let fromProfiles = profiles.map { (file: $0.file, config: SimulationConfig(profile: $0.profile)) }
        func pick<T: Equatable>(
            _ flag: T?, _ field: String, _ option: String, _ fallback: T,
            _ value: (SimulationConfig) -> T
        ) throws -> (T, SettingSource) {
            if let flag { return (flag, .flag) }
            guard let first = fromProfiles.first else { return (fallback, .default) }
            if let other = fromProfiles.first(where: { value($0.config) != value(first.config) }) {
                throw InputError(
                    "--profile: \(first.file) and \(other.file) declare different \(field) "
                        + "(\(value(first.config)) and \(value(other.config))); simulate one profile at a time or choose with \(option)"
                )
            }
            return (value(first.config), .profile)
        }
        let defaults = SimulationConfig()
        let requant = try pick(overrides.requant, "requant", "--requant", defaults.requant) { $0.requant }
        let bits = try pick(
            overrides.accumulatorBits, "accumulator_bits", "--accumulator-bits",
            defaults.accumulator.bits
        ) { $0.accumulator.bits }
        let overflow = try pick(
            overrides.overflow, "accumulator_overflow", "--overflow",
            defaults.accumulator.overflow
        ) { $0.accumulator.overflow }
        let special = try pick(
            nil, "special_functions", "one profile", defaults.specialFunctions
        ) { $0.specialFunctions }
        self.specialFunctions = special.0
        self.specialFunctionsSource = special.1
        self.requant = requant.0
        self.accumulator = AccumulatorModel(bits: bits.0, overflow: overflow.0)
        self.requantSource = requant.1
        self.accumulatorBitsSource = bits.1
        self.overflowSource = overflow.1
        self.profiles = profiles.map(\.file)
    }

    /// The run's configuration with this arithmetic.
    public func config(fastPath: Bool = true, threads: Int = Parallel.threads, batch: Int = 8) -> SimulationConfig {
        SimulationConfig(
            requant: requant, accumulator: accumulator, fastPath: fastPath, threads: threads, batch: batch,
            specialFunctions: specialFunctions)
    }

    /// One line, e.g. `requant single (profile), 32-bit accumulator (profile), overflow wrap (default)`,
    /// and `, special functions on a unit (profile)` when a profile declares one.
    public var summary: String {
        "requant \(requant.rawValue) (\(requantSource.rawValue)), \(accumulator.bits)-bit accumulator "
            + "(\(accumulatorBitsSource.rawValue)), overflow \(accumulator.overflow.rawValue) (\(overflowSource.rawValue))"
            + (specialFunctions == .unit ? ", special functions on a unit (\(specialFunctionsSource.rawValue))" : "")
    }

    private enum Key: String, CodingKey {
        case requant, overflow, profiles
        case accumulatorBits = "accumulator_bits"
        case requantSource = "requant_source"
        case accumulatorBitsSource = "accumulator_bits_source"
        case overflowSource = "overflow_source"
        case specialFunctions = "special_functions"
        case specialFunctionsSource = "special_functions_source"
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(requant, forKey: .requant)
        try c.encode(requantSource, forKey: .requantSource)
        try c.encode(accumulator.bits, forKey: .accumulatorBits)
        try c.encode(accumulatorBitsSource, forKey: .accumulatorBitsSource)
        try c.encode(accumulator.overflow, forKey: .overflow)
        try c.encode(overflowSource, forKey: .overflowSource)
        try c.encode(specialFunctions, forKey: .specialFunctions)
        try c.encode(specialFunctionsSource, forKey: .specialFunctionsSource)
        try c.encode(profiles, forKey: .profiles)
    }
}
