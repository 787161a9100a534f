import Foundation
import PolybitData
import PolybitQuant
import PolybitTensor
import PolybitTrain
import Testing
import polybit

/// The recipe is the single list of training settings: every stored field is a `RecipeField`,
/// has a flag in `train --help` and `experiment cost --help` showing the recipe's own default,
/// and survives a checkpoint. Adding a field without its option or flag fails here.
@Suite struct RecipeFieldTests {
    /// Every leaf of `recipe` by its JSON path (`epochs`, `quantizer.alrs`, `coreset.hardCut`),
    /// found by reflection so that a new stored property shows up without being listed anywhere.
    static func leaves(_ recipe: TrainingRecipe) -> [String: Any] {
        var out: [String: Any] = [:]
        func walk(_ value: Any, _ prefix: String) {
            for child in Mirror(reflecting: value).children {
                // A property wrapper's storage is `_name`; an optional group unwraps to its value.
                let name = prefix + String(child.label!.trimmingCharacters(in: ["_"]))
                if name == "quantizer" { walk(child.value, "quantizer."); continue }
                if name == "coreset", let c = recipe.coreset { walk(c, "coreset."); continue }
                if let set = child.value as? BitWidthsAsText {
                    out[name] = set.wrappedValue as Any
                } else {
                    out[name] = child.value
                }
            }
        }
        walk(recipe, "")
        return out
    }

    /// A value as the command line and the recipe's JSON spell it.
    static func spelled(_ value: Any) -> String {
        if let raw = value as? any RawRepresentable { return "\(raw.rawValue)" }
        if let set = value as? BitWidthSet { return set.description }
        return "\(value)"
    }

    static func isNil(_ value: Any) -> Bool {
        let mirror = Mirror(reflecting: value)
        return mirror.displayStyle == .optional && mirror.children.isEmpty
    }

    static let defaults: TrainingRecipe = {
        var r = TrainingRecipe()
        r.coreset = CoresetConfig(fraction: 1)  // a coreset's own defaults, once one is asked for
        return r
    }()

    @Test func everyStoredFieldIsARecipeField() {
        let stored = Set(Self.leaves(Self.defaults).keys)
        #expect(stored == Set(RecipeField.allCases.map(\.path)))
    }

    /// The help entry of `flag`: its line in the option list and the lines up to the next option,
    /// whitespace collapsed.
    static func entry(_ flag: String, in help: String) -> String? {
        let lines = help.components(separatedBy: "\n")
        guard let start = lines.firstIndex(where: { $0.hasPrefix("  \(flag) ") || $0 == "  \(flag)" }) else {
            return nil
        }
        let rest = lines[(start + 1)...].prefix { !$0.hasPrefix("  -") && !$0.isEmpty }
        return ([lines[start]] + rest).joined(separator: " ").split(whereSeparator: \.isWhitespace).joined(
            separator: " ")
    }

    @Test(arguments: [["train"], ["experiment", "cost"]])
    func helpListsEveryFieldWithTheRecipesDefault(command: [String]) throws {
        let help = try CLI.run(command + ["--help"])
        #expect(help.status == 0)
        let values = Self.leaves(Self.defaults)
        for field in RecipeField.allCases {
            guard let entry = Self.entry(field.flag, in: help.stdout) else {
                Issue.record("\(command.joined(separator: " ")) --help has no \(field.flag) (\(field.path))")
                continue
            }
            let value = values[field.path]!
            if let on = value as? Bool {
                #expect(field.flag.hasPrefix("--no-") == on, "\(field.flag) turns \(field.path) (default \(on)) around")
            } else if Self.isNil(value) || field == .coresetFraction {
                // Unset by default: the help says what that means.
                #expect(entry.contains("[default: "), "\(entry)")
            } else {
                #expect(entry.contains("[default: \(Self.spelled(value))]"), "\(entry)")
            }
        }
    }

    static func widths(_ text: String) -> BitWidthSet { try! BitWidthSet(parsing: text, flag: "widths") }

    /// A recipe with every field away from its default (a coreset's too).
    static func everyFieldChanged() -> TrainingRecipe {
        var r = TrainingRecipe()
        r.model = .vit; r.width = 2; r.dataset = "synthetic"; r.dataDir = "/data"; r.validation = .images(700);
        r.limit = 300
        r.epochs = 7; r.batch = 64; r.seed = (1 << 63) + 5; r.optimizer = .adamw; r.learningRate = 0.0123
        r.momentum = 0.8; r.weightDecay = 1e-5; r.warmupEpochs = 2; r.labelSmoothing = 0.1; r.weightAverage = 0.99;
        r.cropPadding = 4
        r.flip = false; r.patch = 2; r.dim = 32; r.depth = 3; r.heads = 8
        r.bits = widths("2,3,8,32"); r.deployBits = widths("2-6,32")
        r.quantizer.biasCorrection = .exact; r.quantizer.correctionStatistics = .perTensor
        r.quantizer.weightStep = .learned; r.quantizer.stepGradientScale = false
        r.quantizer.weightRounding = .doubleFloor; r.quantizer.alrs = true
        r.quantizeFirstLast = true; r.distillation = 0.5; r.batchNorm = .switchable; r.residual = .bits(12)
        r.oneShot = true; r.subnets = 5; r.bitSampling = .hasb; r.hasbSigma = 0.25; r.hasbImages = 500
        r.bitScheduler = true; r.fairnessRegularization = true; r.idm = 0.02; r.quantizationError = 0.1
        var c = CoresetConfig(fraction: 0.3)
        c.redrawEpochs = 3; c.warmupEpochs = 0; c.score = .random; c.selection = .top; c.hardCut = 0.2
        c.shared = true; c.candidatePool = 2; c.statisticsRefreshBatches = 5; c.classBalanced = false
        c.overlap = .disjoint  // not valid with `shared`; set here so that every field is away from its default
        r.coreset = c
        return r
    }

    @Test func everyFieldRoundTripsThroughACheckpoint() throws {
        let changed = Self.everyFieldChanged(), defaults = Self.leaves(Self.defaults)
        for (path, value) in Self.leaves(changed) {
            #expect(Self.spelled(value) != Self.spelled(defaults[path]!), "\(path) is at its default")
        }
        let path = NSTemporaryDirectory() + "polybit-recipe-" + UUID().uuidString + ".h5"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Checkpoint(
            recipe: changed, epochsCompleted: 1, stepsCompleted: 2,
            parameters: ["w": Tensor(shape: [2], storage: [1, 2])], optimizerState: [:],
            normalization: ChannelNormalization(mean: [0.5], std: [0.25])
        ).write(to: path)
        #expect(try Checkpoint.read(from: path).recipe == changed)
    }

    /// Each flag sets its own field: the flags of `everyFieldChanged()` rebuild it from the defaults.
    @Test func everyFlagSetsItsField() throws {
        let flags = [
            "--model", "vit", "--width", "2", "--dataset", "synthetic", "--data-dir", "/data", "--validation", "700",
            "--limit", "300",
            "--epochs", "7", "--batch", "64", "--seed", "\((1 << 63) + 5 as UInt64)", "--optimizer", "adamw",
            "--lr", "0.0123", "--momentum", "0.8", "--weight-decay", "1e-5", "--warmup-epochs", "2",
            "--label-smoothing", "0.1", "--weight-ema", "0.99", "--crop-padding", "4", "--no-flip", "--patch", "2",
            "--dim", "32",
            "--depth", "3", "--heads", "8", "--bits", "2,3,8,32", "--deploy-bits", "2-6,32",
            "--bias-correction", "exact", "--correction-statistics", "tensor", "--weight-step", "learned",
            "--no-step-gradient-scale", "--weight-rounding", "double-floor", "--alrs", "--quantize-first-last",
            "--distill", "0.5", "--bn", "switchable", "--residual", "12", "--coreset", "0.3", "--redraw", "3",
            "--coreset-warmup", "0",
            "--coreset-score", "random", "--coreset-selection", "top", "--coreset-shared", "--coreset-pool", "2",
            "--coreset-bn-refresh", "5", "--no-class-balance", "--one-shot", "--subnets", "5", "--bit-sampling",
            "hasb", "--hasb-sigma", "0.25", "--hasb-images", "500", "--bit-scheduler", "--fairness-regularization",
            "--idm", "0.02", "--quantization-error", "0.1",
        ]
        var r = try RecipeOptions.parse(flags).apply(to: TrainingRecipe())
        #expect(r.coreset?.hardCut == 0.1)  // --coreset-hard-cut applies to stratified selection only
        r.coreset?.hardCut = 0.2
        #expect(r.coreset?.overlap == .free)  // --coreset-overlap needs a subset per width (not --coreset-shared)
        r.coreset?.overlap = .disjoint
        #expect(r == Self.everyFieldChanged())
        let overlap = try RecipeOptions.parse(["--coreset", "0.3", "--coreset-overlap", "disjoint"]).apply(
            to: TrainingRecipe())
        #expect(overlap.coreset?.overlap == .disjoint)
        #expect(throws: RecipeError.self) {
            try RecipeOptions.parse(["--coreset", "0.3", "--coreset-shared", "--coreset-overlap", "fresh"]).apply(
                to: TrainingRecipe())
        }
        let hardCut = try RecipeOptions.parse(["--coreset", "0.3", "--coreset-hard-cut", "0.2"]).apply(
            to: TrainingRecipe())
        #expect(hardCut.coreset?.hardCut == 0.2)
        let resumed = try RecipeOptions.parse(["--epochs", "9"]).apply(to: Self.everyFieldChanged())
        var expected = Self.everyFieldChanged()
        expected.epochs = 9
        #expect(resumed == expected, "flags not given keep the base recipe's values")
    }

    /// The JSON of checkpoints written before the recipe was typed: bit-widths as the text given on
    /// the command line, names as strings, fields of later versions missing.
    @Test func checkpointRecipesOfEarlierVersionsDecode() throws {
        let full = #"""
            {"model":"resnet8","width":1,"dataset":"synthetic","epochs":2,"batch":32,"seed":3,"optimizer":"adamw",
             "learningRate":0.05,"momentum":0.9,"weightDecay":0.0005,"warmupEpochs":1,"labelSmoothing":0,
             "cropPadding":1,"flip":true,"patch":4,"dim":64,"depth":4,"heads":4,"bits":"8,2-4","deployBits":"2-8,32",
             "quantizer":{"biasCorrection":"paper","correctionStatistics":"tensor","weightStep":"statistics",
                          "stepGradientScale":true,"weightRounding":"double-floor","alrs":false},
             "quantizeFirstLast":false,"distillation":0,"batchNorm":"shared",
             "coreset":{"fraction":0.2,"redrawEpochs":2,"warmupEpochs":1,"score":"el2n","classBalanced":true,
                        "shared":false,"selection":"stratified","hardCut":0.1,"candidatePool":2,"statisticsRefreshBatches":20}}
            """#
        let r = try JSONDecoder().decode(TrainingRecipe.self, from: Data(full.utf8))
        var expected = TrainingRecipe()
        expected.model = .resnet(depth: 8); expected.dataset = "synthetic"; expected.epochs = 2; expected.batch = 32
        expected.seed = 3; expected.optimizer = .adamw; expected.learningRate = 0.05; expected.cropPadding = 1
        expected.bits = BitWidthSet(bits: [2, 3, 4, 8], includesFloat: false)
        expected.deployBits = BitWidthSet(bits: Array(2...8), includesFloat: true)
        expected.quantizer.correctionStatistics = .perTensor; expected.quantizer.weightRounding = .doubleFloor
        expected.validation = .images(0)  // those runs held no validation images out
        expected.residual = .float  // and kept the residual stream float
        var c = CoresetConfig(fraction: 0.2)
        c.candidatePool = 2
        expected.coreset = c
        #expect(r == expected)

        let early = #"{"model":"resnet20","optimizer":"sgd","epochs":15,"bits":"2,4,8"}"#
        var earlyExpected = TrainingRecipe()
        earlyExpected.bits = BitWidthSet(bits: [2, 4, 8], includesFloat: false)
        earlyExpected.validation = .images(0); earlyExpected.residual = .float
        #expect(try JSONDecoder().decode(TrainingRecipe.self, from: Data(early.utf8)) == earlyExpected)
    }

    /// New checkpoints keep the old spellings, so earlier versions of polybit read them too.
    @Test func recipesAreWrittenInTheEarlierSpelling() throws {
        var r = TrainingRecipe()
        r.model = .resnet(depth: 8); r.bits = Self.widths("8,2,4,32")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as? [String: Any] ?? [:]
        #expect(json["model"] as? String == "resnet8")
        #expect(json["optimizer"] as? String == "sgd")
        #expect(json["bits"] as? String == "2,4,8,32")
        #expect(json["deployBits"] == nil, "an unset bit-width set is left out")
        #expect((json["quantizer"] as? [String: Any])?["correctionStatistics"] as? String == "channel")
        #expect(json["validation"] as? String == "auto", "written, so that a missing key means an older run")
        #expect(json["residual"] as? String == "8", "written, so that a missing key means a float residual")
        r.residual = .activation
        let narrow = try JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as? [String: Any] ?? [:]
        #expect(narrow["residual"] as? String == "activation")
        r.validation = .images(5000)
        let counted = try JSONSerialization.jsonObject(with: JSONEncoder().encode(r)) as? [String: Any] ?? [:]
        #expect(counted["validation"] as? Int == 5000)
    }
}
