import Foundation
import PolybitHardware

extension PickReport {
    /// The final pick: the mixed one when the search ran, else the uniform one.
    public var final: Point { mixed ?? uniform }

    /// What the final pick's policy file records about it (`PrecisionPolicy.provenance`, JSON key
    /// `pick`), which `export` copies into the exported model's metadata: the Polybit `version`,
    /// checkpoint, profiles, budgets, the point's label and costs, and its validation accuracy
    /// (fraction in [0, 1]) with the number of images and whether training held them out.
    public func provenance(version: String) -> [String: String] {
        let p = final
        var out = [
            "polybit_version": version, "checkpoint": checkpoint, "profiles": profiles.joined(separator: ", "),
            "budgets": budgets.map { "\($0.kind) <= \($0.limit)" }.joined(separator: ", "), "label": p.label,
            "validation_accuracy": "\(p.validation_accuracy)", "validation_images": "\(validation_images)",
            "validation_held_out": "\(validation_held_out)", "residual": residual,
        ]
        for c in p.costs {
            out["cost." + c.profile] = "energy_uJ=\(c.energy_uJ) latency_ms=\(c.latency_ms) memory_KiB=\(c.memory_KiB)"
        }
        if let t = p.test_accuracy { out["test_accuracy"] = "\(t)" }
        return out
    }

    /// A Markdown section setting the final pick's accuracy and costs beside the costs of its
    /// exported integer model (`cost --model`), per profile the pick was made for.
    /// - Parameters: `exported` the export's cost per profile name; `modelFile` where it is.
    public func deploymentSection(exported: [String: NetworkCost], modelFile: String) -> String {
        let p = final
        var md = "## The pick and its export\n\n"
        md += String(
            format:
                "- pick: %@ (mean w%.2f a%.2f), validation %.2f%% on %d held-out images, test %@, budget use %.3f\n",
            p.label, p.mean_weight_bits, p.mean_activation_bits, 100 * p.validation_accuracy, validation_images,
            p.test_accuracy.map { String(format: "%.2f%% on %d images", 100 * $0, test_images) } ?? "—",
            p.budget_use)
        md += "- budget: \(budgets.map { "\($0.kind) ≤ \(formatted($0.limit))" }.joined(separator: ", "))\n"
        md += "- export: `\(modelFile)`, costed as `polybit cost --model` does\n\n"
        md += "| profile | energy µJ (pick / export) | latency ms (pick / export) | memory KiB (pick / export) |\n"
        md += "|---|---|---|---|\n"
        for c in p.costs {
            guard let e = exported[c.profile] else {
                md += "| \(c.profile) | \(formatted(c.energy_uJ)) / — | \(formatted(c.latency_ms)) / — | "
                md += "\(formatted(c.memory_KiB)) / — |\n"
                continue
            }
            let picked = [c.energy_uJ, c.latency_ms, c.memory_KiB]
            let kinds: [BudgetKind] = [.energy_uJ, .latency_ms, .memory_KiB]
            let cells = zip(picked, kinds).map { "\(formatted($0)) / \(formatted($1.value(of: e)))" }
            md += "| \(c.profile) | " + cells.joined(separator: " | ") + " |\n"
        }
        return md
    }
}
