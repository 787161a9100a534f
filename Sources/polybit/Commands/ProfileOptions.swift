import ArgumentParser
import PolybitHardware

/// `--profile`: the hardware profiles (YAML, docs/cost-model.md) that `cost`, `simulate` and
/// `pick` cost a network on.
struct ProfileOptions: ParsableArguments {
    @Option(help: "Hardware profile YAML (hwprofiles/, docs/cost-model.md); repeat for several.")
    var profile: [String] = []

    /// Every `--profile`, loaded in the order given; throws `InputError` naming the file.
    func load() throws -> [(file: String, profile: HardwareProfile)] { try Self.load(profile) }

    /// The profiles at `paths`, each with the path it was read from.
    static func load(_ paths: [String]) throws -> [(file: String, profile: HardwareProfile)] {
        try paths.map { (file: $0, profile: try ProfileLoader.load(path: $0)) }
    }
}
