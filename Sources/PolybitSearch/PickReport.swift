import Foundation
import PolybitHardware
import PolybitQuant

/// What `polybit pick` reports: its `--json` object (units in the field names, accuracies as
/// fractions) and its text table.
public struct PickReport: Codable, Sendable {
    /// One budget as given: `kind` ≤ `limit` (in the kind's unit).
    public struct BudgetLimit: Codable, Sendable {
        public var kind: String
        public var limit: Double
    }

    /// The costs of one point on one profile.
    public struct ProfileCost: Codable, Sendable {
        public var profile: String
        public var energy_uJ: Double, latency_ms: Double, memory_KiB: Double, weight_KiB: Double, bitops_G: Double
    }

    /// One evaluated assignment.
    public struct Point: Codable, Sendable {
        /// `4-bit` for a uniform assignment, `mixed` otherwise.
        public var label: String
        /// Mean weight and activation widths over the searched units.
        public var mean_weight_bits: Double, mean_activation_bits: Double
        public var validation_accuracy: Double
        /// Only for the final picks.
        public var test_accuracy: Double?
        /// The largest cost / limit over budgets and profiles (≤ 1 within budget).
        public var budget_use: Double
        public var within_budget: Bool
        public var costs: [ProfileCost]
        /// For the picks: the policy, as `export --policy` reads it.
        public var policy: PrecisionPolicy?

        init(
            candidate c: Candidate, profileNames: [String], testAccuracy: Double?,
            policy: PrecisionPolicy?
        ) {
            let a = c.assignment
            label = a.uniformWidth.map { "\($0)-bit" } ?? "mixed"
            mean_weight_bits = Double(a.weightBits.reduce(0, +)) / Double(max(1, a.weightBits.count))
            mean_activation_bits = Double(a.activationBits.reduce(0, +)) / Double(max(1, a.activationBits.count))
            validation_accuracy = c.accuracy
            test_accuracy = testAccuracy
            budget_use = c.use
            within_budget = c.fits
            costs = zip(profileNames, c.figures.perProfile).map { name, v in
                ProfileCost(
                    profile: name, energy_uJ: v[.energy_uJ]!, latency_ms: v[.latency_ms]!,
                    memory_KiB: v[.memory_KiB]!, weight_KiB: v[.weight_KiB]!, bitops_G: v[.bitops_G]!)
            }
            self.policy = policy
        }
    }

    public var checkpoint: String, model: String, dataset: String
    /// The checkpoint's residual path (`float`, `activation` or a width): what the costed integer
    /// model carries between blocks.
    public var residual: String
    public var profiles: [String]
    public var budgets: [BudgetLimit]
    /// The widths swept and searched.
    public var widths: [Int]
    /// The validation images: `validation_images` of them, from this index of the dataset's
    /// official training split on.
    public var validation_images: Int, validation_first_index: Int
    /// True when they are (the first of) the checkpoint's held-out split; false when the checkpoint
    /// has none and they are the last training images (`--validation-from-training`).
    public var validation_held_out: Bool
    /// True when the checkpoint was trained on (some of) the validation images.
    public var validation_in_training: Bool
    public var test_images: Int
    /// `greedy` or `uniform`.
    public var search: String
    /// Accuracy evaluations (one per distinct assignment) and requests answered from the cache.
    public var evaluations: Int, cache_hits: Int
    /// True when the search used all the evaluations `--max-evaluations` allowed (it may have
    /// stopped early).
    public var evaluation_limit_reached: Bool
    public var uniform_sweep: [Point]
    /// The most accurate uniform width within budget.
    public var uniform: Point
    /// The most accurate assignment within budget of all evaluated (nil without the search).
    public var mixed: Point?
    /// Everything evaluated that no other point beats on both validation accuracy and budget use.
    public var pareto_front: [Point]

    /// The report as text: the picks, then the uniform sweep and the Pareto front as tables.
    public var text: String {
        let budgetText = budgets.map { "\($0.kind) ≤ \(formatted($0.limit))" }.joined(separator: ", ")
        var out = "\(model) (\(checkpoint)) on \(profiles.joined(separator: ", ")); budget \(budgetText)\n"
        out +=
            "costs: the integer model export writes for each point (residual stream "
            + (residual == "float"
                ? "float in training: export's calibrated --residual-bits stream, 24 by default"
                    + (model == "vit" ? ", at most 16 for a ViT" : "") : residual) + ")\n"
        out +=
            "validation: "
            + (validation_held_out
                ? "\(validation_images) held-out images" : "the last \(validation_images) training images")
            + " of \(dataset) (training split index \(validation_first_index) on"
            + (validation_in_training ? ", seen in training" : ", not trained on") + "); test: \(test_images) images\n"
        func pick(_ name: String, _ p: Point) -> String {
            String(
                format: "%@: %@ (mean w%.2f a%.2f), validation %.2f%%, test %.2f%%, budget use %.3f\n",
                name, p.label, p.mean_weight_bits, p.mean_activation_bits, 100 * p.validation_accuracy,
                100 * (p.test_accuracy ?? 0), p.budget_use)
        }
        out += pick("uniform pick", uniform)
        if let mixed { out += pick("mixed pick", mixed) }
        out += "\nuniform sweep:\n" + table(uniform_sweep)
        out +=
            "\nPareto front of \(evaluations) evaluations (\(cache_hits) cache hits"
            + (evaluation_limit_reached ? "; the evaluation limit stopped the search, see --max-evaluations" : "")
            + "):\n" + table(pareto_front)
        return out
    }

    /// One row per point and profile.
    private func table(_ points: [Point]) -> String {
        var rows = [
            [
                "point", "w bits", "a bits", "val acc %", "use", "fits", "profile", "energy µJ", "latency ms",
                "memory KiB", "weight KiB", "GBitOPs",
            ]
        ]
        for p in points {
            for c in p.costs {
                rows.append([
                    p.label, String(format: "%.2f", p.mean_weight_bits), String(format: "%.2f", p.mean_activation_bits),
                    String(format: "%.2f", 100 * p.validation_accuracy), String(format: "%.3f", p.budget_use),
                    p.within_budget ? "yes" : "no", c.profile, formatted(c.energy_uJ), formatted(c.latency_ms),
                    formatted(c.memory_KiB), formatted(c.weight_KiB), formatted(c.bitops_G),
                ])
            }
        }
        return alignedColumns(rows)
    }
}
