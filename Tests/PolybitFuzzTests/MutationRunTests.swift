import Foundation
import PolybitFuzzReaders
import PolybitTensor
import PolybitTestSupport
import Testing

/// A short, deterministic fuzz run of every reader, part of the suite and so of CI (in the shipped
/// and the checked build): the seed corpus of tools/fuzz.sh, then mutations of each seed, fed to
/// the reader exactly as libFuzzer's harness feeds it (`FuzzTarget.run`). A crash or a trap fails
/// the run. Files read by libhdf5 (dataset, model, checkpoint) get truncations only: libhdf5
/// itself crashes on some corrupt files (docs/reliability.md), and in-process that would end the
/// suite; `tools/fuzz.sh` fuzzes them fully in forked children.
@Suite struct MutationRunTests {
    /// Mutations per seed file of the readers that do not use libhdf5.
    static let mutationsPerSeed = 400
    /// Truncated copies per seed file of the HDF5 readers.
    static let truncationsPerSeed = 24

    /// tools/fuzz.sh's seed corpus, one folder per reader: Polybit's writers (`Seeds`), the
    /// hand-made files of tools/fuzz/make_seeds.py and the shipped profiles.
    static let seeds: String = {
        let dir = NSTemporaryDirectory() + "polybit-fuzz-seeds-" + UUID().uuidString
        try! Seeds.write(to: dir)
        try! runProgram("python3", [repositoryRoot + "/tools/fuzz/make_seeds.py", dir])
        let profiles = URL(fileURLWithPath: repositoryRoot + "/hwprofiles")
        for name in try! FileManager.default.contentsOfDirectory(atPath: profiles.path) where name.hasSuffix(".yaml") {
            try! FileManager.default.copyItem(
                atPath: profiles.appendingPathComponent(name).path, toPath: dir + "/profile/" + name)
        }
        return dir
    }()

    /// Seed files the reader must refuse: the YAML shapes made to exhaust a parser.
    static let hostileSeeds: Set<String> = ["alias-bomb.yaml", "deep.yaml", "deep-map.yaml"]

    /// Every valid seed is accepted, every hostile one refused; then each seed's mutations run
    /// through the reader, which refuses some of them (it does check its input).
    @Test(arguments: FuzzTarget.allCases)
    func seedsAndMutationsGetAnAnswer(reader: FuzzTarget) throws {
        let folder = Self.seeds + "/" + reader.rawValue
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        #expect(!names.isEmpty)
        var rng = SeededRNG(seed: UInt64(FuzzTarget.allCases.firstIndex(of: reader)!))
        var tried = 0, refused = 0
        for name in names {
            let seed = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            #expect(reader.run(seed) != Self.hostileSeeds.contains(name), "\(reader) seed \(name)")
            for variant in Self.variants(of: seed, reader: reader, rng: &rng) {
                tried += 1
                if !reader.run(variant) { refused += 1 }
            }
        }
        for ext in ["idx", "bin", "h5"] { unlink(reader.scratchFile(ext)) }
        #expect(tried > 0 && refused > 0, "\(reader): \(refused) of \(tried) refused")
    }

    /// Mutated copies of `seed`: truncations for the HDF5 readers, random edits for the others.
    static func variants(of seed: Data, reader: FuzzTarget, rng: inout SeededRNG) -> [Data] {
        if [.dataset, .model, .checkpoint].contains(reader) {
            return (0..<truncationsPerSeed).map { _ in seed.prefix(Int.random(in: 0..<seed.count, using: &rng)) }
        }
        return (0..<mutationsPerSeed).map { _ in
            var bytes = [UInt8](seed)
            for _ in 0..<Int.random(in: 1...3, using: &rng) { mutate(&bytes, rng: &rng) }
            return Data(bytes)
        }
    }

    /// One libFuzzer-style edit: flip a bit, write a boundary byte or 32-bit value, insert,
    /// delete, truncate, or repeat a slice.
    static func mutate(_ b: inout [UInt8], rng: inout SeededRNG) {
        guard !b.isEmpty else { b = [UInt8.random(in: 0...255, using: &rng)]; return }
        let i = Int.random(in: 0..<b.count, using: &rng)
        switch Int.random(in: 0..<7, using: &rng) {
        case 0: b[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 1: b[i] = [0, 0x7F, 0x80, 0xFF, 0x30, 0x39, 0x2D, 0x0A].randomElement(using: &rng)!
        case 2:
            let word: UInt32 = [0, 0xFFFF_FFFF, 0x7FFF_FFFF, 0x8000_0000, 0x0001_0000].randomElement(using: &rng)!
            for k in 0..<4 where i + k < b.count { b[i + k] = UInt8(truncatingIfNeeded: word >> (8 * UInt32(3 - k))) }
        case 3: b.insert(UInt8.random(in: 0...255, using: &rng), at: i)
        case 4: b.remove(at: i)
        case 5: b.removeLast(b.count - i)
        default:
            let end = min(b.count, i + Int.random(in: 1...16, using: &rng))
            b.insert(contentsOf: b[i..<end], at: Int.random(in: 0...b.count, using: &rng))
        }
    }
}
