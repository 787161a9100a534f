import Foundation

extension CostSweep {
    /// CSV with a row per profile, bit-width and layer, then a `total` row per profile and
    /// bit-width (figures per batch; `memory_bound` per layer, empty on totals). Units in the header; on-chip memory energy summed over levels; numbers at full
    /// precision.
    public var csv: String {
        var lines = [
            "profile,bits,layer,kind,run_bits,macs,bitops,weight_KiB,live_activation_KiB,"
                + "dram_traffic_KiB,utilization,compute_cycles,memory_cycles,cycles,latency_ms,energy_uJ,"
                + "energy_compute_uJ,energy_onchip_uJ,energy_dram_uJ,energy_leakage_uJ,stall_cycles,memory_bound"
        ]
        func row(
            _ p: ProfileCosts, _ b: Int, _ name: String, _ kind: String, _ run: String, _ macs: Int,
            _ bitops: Int, _ weight: Int, _ live: Int, _ dram: Int, _ util: Double, _ cc: Int,
            _ mc: Double, _ lc: Double, _ s: Double, _ e: EnergySplit, _ stall: Double, _ bound: String
        ) -> String {
            let cells: [String] = [
                quote(p.profile.name), "\(b)", quote(name), kind, run, "\(macs)", "\(bitops)",
                num(Double(weight) / 8192), num(Double(live) / 8192), num(Double(dram) / 8192), num(util),
                "\(cc)", num(mc.rounded(.up)), num(lc.rounded(.up)), num(s * 1e3), num(e.totalPJ * 1e-6),
                num(e.computePJ * 1e-6), num(e.memoryPJ.reduce(0, +) * 1e-6), num(e.dramPJ * 1e-6),
                num(e.leakagePJ * 1e-6), num(stall.rounded(.up)), bound,
            ]
            return cells.joined(separator: ",")
        }
        for p in profiles {
            for (b, c) in zip(bits, p.costs) {
                for l in c.layers {
                    lines.append(
                        row(
                            p, b, l.name, l.kind.rawValue, l.run?.operandDescription ?? "", l.macs, l.bitOps,
                            l.weightBits, l.liveActivationBits, l.dramBits, l.mapping.utilization,
                            l.computeCycles, l.memoryCycles, l.latencyCycles, l.latencySeconds, l.energy,
                            l.stallCycles, l.memoryBound ? "true" : "false"))
                }
                lines.append(
                    row(
                        p, b, "total", "", "", c.macs, c.bitOps, c.weightBits, c.peakActivationBits,
                        c.dramBits, c.utilization, c.computeCycles, c.memoryCycles, c.latencyCycles,
                        c.latencySeconds, c.energy, c.stallCycles, ""))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A data cell at full round-trip precision (the shortest decimal that reads back as `v`, as in
    /// the JSON output); integral values without a fraction.
    private func num(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v)
    }

    private func quote(_ s: String) -> String {
        s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
