import PolybitTensor

/// Units: sizes in KiB (1024 bytes of packed bits), time in cycles and ms, energy in µJ.
private func kib(_ bits: Int) -> JSONValue { .number(Double(bits) / 8192) }
private func uJ(_ pJ: Double) -> JSONValue { .number(pJ * 1e-6) }

extension CostSweep {
    /// The sweep as one JSON object (the `--json` output of `polybit cost`); units are in the
    /// field names. Every precision carries its per-layer costs under `layers`; `edge_bits` is
    /// null when the stem and classifier run at the swept width.
    public var json: JSONValue {
        .object([
            ("network", .string(networkName)),
            ("input", .string(input.description)),
            ("classes", .integer(classes)),
            ("edge_bits", edgeBits.map { .integer($0) } ?? .null),
            ("batch", .integer(batch)),
            ("profiles", .array(profiles.map(profileJSON))),
        ])
    }

    private func profileJSON(_ p: ProfileCosts) -> JSONValue {
        .object([
            ("file", .string(p.file)),
            ("name", .string(p.profile.name)),
            ("source", .string(p.profile.source)),
            ("technology_nm", .number(p.profile.technologyNM)),
            ("clock_MHz", .number(p.profile.clockMHz)),
            ("memories", .array(p.profile.memories.map { .string($0.name) })),
            ("precisions", .array(zip(bits, p.costs).map { Self.networkJSON($1, bits: $0) })),
        ])
    }

    private static func energyJSON(_ e: EnergySplit, _ profile: HardwareProfile) -> [(String, JSONValue)] {
        [
            ("energy_uJ", uJ(e.totalPJ)),
            ("energy_compute_uJ", uJ(e.computePJ)),
            ("energy_memory_uJ", .object(zip(profile.memories, e.memoryPJ).map { ($0.name, uJ($1)) })),
            ("energy_dram_uJ", uJ(e.dramPJ)),
            ("energy_leakage_uJ", uJ(e.leakagePJ)),
        ]
    }

    private static func networkJSON(_ c: NetworkCost, bits: Int) -> JSONValue {
        .object(
            [
                ("bits", .integer(bits)),
                ("macs", .integer(c.macs)),
                ("bitops", .integer(c.bitOps)),
                ("weight_KiB", kib(c.weightBits)),
                ("weight_stored_KiB", kib(c.weightStoredBits)),
                ("peak_activation_KiB", kib(c.peakActivationBits)),
                ("peak_activation_stored_KiB", kib(c.peakActivationStoredBits)),
                ("dram_traffic_KiB", kib(c.dramBits)),
                ("weights_resident", .bool(c.weightsResident)),
                ("utilization", .number(c.utilization)),
                ("compute_cycles", .integer(c.computeCycles)),
                ("memory_cycles", .number(c.memoryCycles.rounded(.up))),
                ("stall_cycles", .number(c.stallCycles.rounded(.up))),
                ("cycles", .number(c.latencyCycles.rounded(.up))),
                ("latency_ms", .number(c.latencySeconds * 1e3)),
                ("latency_ms_per_image", .number(c.latencySecondsPerImage * 1e3)),
                ("energy_uJ_per_image", uJ(c.energyPJPerImage)),
            ] + energyJSON(c.energy, c.profile) + [
                ("notes", .array(c.notes.map { .string($0) })),
                ("layers", .array(c.layers.map { layerJSON($0, c.profile) })),
            ])
    }

    private static func layerJSON(_ l: LayerCost, _ profile: HardwareProfile) -> JSONValue {
        .object(
            [
                ("name", .string(l.name)),
                ("kind", .string(l.kind.rawValue)),
                ("input_shape", .string(l.workload.inputShape.description)),
                ("output_shape", .string(l.workload.outputShape.description)),
                ("kernel", .string("\(l.workload.kernelHeight)x\(l.workload.kernelWidth)")),
                ("stride", .integer(l.workload.stride)),
                ("padding", .integer(l.workload.padding)),
                ("groups", .integer(l.workload.groups)),
                ("bits", .string(l.requested.operandDescription)),
                ("run_bits", l.run.map { .string($0.operandDescription) } ?? .null),
                ("macs", .integer(l.macs)),
                ("bitops", .integer(l.bitOps)),
                ("weight_KiB", kib(l.weightBits)),
                ("weight_stored_KiB", kib(l.weightStoredBits)),
                ("input_KiB", kib(l.inputBits)),
                ("output_KiB", kib(l.outputBits)),
                ("live_activation_KiB", kib(l.liveActivationBits)),
                ("live_activation_stored_KiB", kib(l.liveActivationStoredBits)),
                (
                    "fits",
                    .array(
                        l.fits.map { f in
                            .object([
                                ("level", .string(f.level)), ("role", .string(f.role.rawValue)),
                                ("KiB", kib(f.bits)), ("capacity_KiB", kib(f.capacityBits)), ("fits", .bool(f.fits)),
                            ])
                        })
                ),
                ("input_on_chip", .bool(l.inputOnChip)),
                ("output_on_chip", .bool(l.outputOnChip)),
                ("dram_weight_KiB", kib(l.dramWeightBits)),
                ("dram_input_KiB", kib(l.dramInputBits)),
                ("dram_output_KiB", kib(l.dramOutputBits)),
                ("weight_passes", .integer(l.weightPasses)),
                ("input_passes", .integer(l.inputPasses)),
                ("memory_KiB", .object(zip(profile.memories, l.levelBits).map { ($0.name, kib($1)) })),
                ("row_folds", .integer(l.mapping.rowFolds)),
                ("col_folds", .integer(l.mapping.colFolds)),
                ("utilization", .number(l.mapping.utilization)),
                ("compute_cycles", .integer(l.computeCycles)),
                ("memory_cycles", .number(l.memoryCycles.rounded(.up))),
                ("fill_cycles", .number(l.stalls.fillCycles.rounded(.up))),
                ("drain_cycles", .number(l.stalls.drainCycles.rounded(.up))),
                ("stall_cycles", .number(l.stallCycles.rounded(.up))),
                ("memory_bound", .bool(l.memoryBound)),
                ("cycles", .number(l.latencyCycles.rounded(.up))),
                ("latency_ms", .number(l.latencySeconds * 1e3)),
            ] + energyJSON(l.energy, profile) + [
                ("note", l.note.map { .string($0) } ?? .null)
            ])
    }
}
