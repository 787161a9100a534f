import ArgumentParser
import Foundation
import PolybitHardware
import PolybitQuant
import PolybitSearch
import PolybitTensor

extension SearchMethod: ExpressibleByArgument {}

/// `polybit pick`: the best uniform bit-width and per-layer policy of a multi-bit checkpoint
/// under device budgets (ALGORITHMS.md §7).
struct PickCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pick",
        abstract: "Pick the best uniform bit-width and per-layer policy of a multi-bit checkpoint for a device budget.",
        discussion: """
            Every width of --bits is evaluated on the validation images the checkpoint's training held out \
            (train --validation; at most --validation of them; never the test split) and costed on each profile; the most accurate one within \
            every budget on every profile is the uniform pick. --search greedy (default) then runs the \
            bidirectional greedy per-layer search from one width above the widest uniform fit, caching every \
            evaluation; the mixed pick is the most accurate assignment evaluated within budget (--search hasb: the \
            policy Double Rounding's Hessian-aware allocation ends at, on 1000 training images). Only the picks \
            are tested. Inference only, no retraining. Budget kinds: \
            \(BudgetKind.allCases.map(\.rawValue).joined(separator: ", ")) (memory = stored weights + peak \
            activations). Example: polybit pick --checkpoint RUN/checkpoint.h5 --profile hwprofiles/bitfusion.yaml \
            --budget energy_uJ=40 --out-policy policy.json
            """)

    @Option(help: "A multi-bit ResNet or ViT checkpoint (trained with --bits).") var checkpoint: String
    @OptionGroup var profileOptions: ProfileOptions
    @Option(
        help: ArgumentHelp(
            "KIND=VALUE, e.g. energy_uJ=40; repeat for several (all must hold on every profile).",
            valueName: "KIND=VALUE"))
    var budget: [String] = []
    @Option(help: "Bit-widths to sweep and search (2-16). [default: the checkpoint's deploy bits]") var bits: String?
    @Option(help: ArgumentHelp("Validation images: at most N of the checkpoint's held-out split.", valueName: "N"))
    var validation = 2000
    @Flag(
        help:
            "For a checkpoint trained without a held-out split (older versions, train --validation 0): validate on the last --validation training images, which it may have trained on, instead of refusing."
    )
    var validationFromTraining = false
    @Option(help: "Test the picks on the first N test images. [default: all]") var limit: Int?
    @Option(
        help:
            "uniform (the sweep only), greedy (the sweep, then the per-layer search on validation accuracy) or hasb (the sweep, then Double Rounding's Hessian-aware allocation: bits to the layers with the largest Hessian trace per weight, within the budgets; one evaluation)."
    )
    var search = SearchMethod.greedy
    @Option(help: "Accuracy evaluations the greedy search may make after the sweep.") var maxEvaluations = 300
    @Option(help: "Write the final pick as a policy JSON for 'polybit export --policy' (written atomically).")
    var outPolicy: String?
    @Option(
        help:
            "ViT only: bits of the attention products' operands, as 'export --attention-bits' (pick costs what export writes). [default: 16]"
    )
    var attentionBits: Int?
    @Option(help: "Where the dataset's files are. [default: the checkpoint's]") var dataDir: String?
    @Option(help: "Threads.") var threads = System.activeProcessorCount
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "Also write the report as JSON to this file (atomically; 'polybit report --pick' reads it).")
    var outReport: String?

    func run() throws {
        Compute.configure(threads: threads)
        let budgets = try budget.map { try Budget(parsing: $0) }
        guard maxEvaluations >= 0 else { throw InputError("--max-evaluations \(maxEvaluations): expected 0 or more") }
        let widths = try bits.map { text -> [Int] in
            let set = try BitWidthSet(parsing: text, flag: "--bits")
            guard !set.includesFloat else {
                throw InputError("--bits \(text): pick chooses among quantized widths; drop 32")
            }
            return set.bits
        }
        for (flag, path) in [("--out-policy", outPolicy), ("--out-report", outReport)] {
            guard let path else { continue }
            let folder = (path as NSString).deletingLastPathComponent
            guard FileManager.default.fileExists(atPath: folder.isEmpty ? "." : folder) else {
                throw InputError("\(flag) \(path): no folder \(folder)")
            }
        }
        if let limit, limit < 1 { throw InputError("--limit \(limit): expected a positive number of test images") }
        var request = PickRequest(
            checkpoint: checkpoint,
            profiles: try profileOptions.load(),
            budgets: budgets)
        request.bits = widths
        request.validationImages = validation
        request.validationFromTraining = validationFromTraining
        request.attentionBits = attentionBits
        request.testLimit = limit
        request.dataDir = dataDir
        request.search = search
        request.maxEvaluations = maxEvaluations
        let report = try CheckpointPick.run(request, progress: ProgressLine())
        if let outReport {
            try CostCommand.writeAtomically(
                try jsonText(report, pretty: true) + "\n", to: outReport, flag: "--out-report")
        }
        if let outPolicy {
            var policy = report.final.policy!
            policy.provenance = report.provenance(version: Polybit.version)
            // export --policy exports at the attention width pick costed.
            if let attentionBits { policy.provenance?["attention_bits"] = "\(attentionBits)" }
            try CostCommand.writeAtomically(
                try jsonText(policy, pretty: true) + "\n", to: outPolicy, flag: "--out-policy")
        }
        if json { try printJSON(report) } else { print(report.text, terminator: "") }
    }
}
