import Foundation
import PolybitSim
import Yams

/// Reads and validates hardware profiles (the schema is in docs/cost-model.md and every file in
/// hwprofiles/). The first problem found is thrown as one ``ProfileError`` naming the file, the
/// field path and what was expected; unknown fields are rejected.
public enum ProfileLoader {
    /// Loads the profile at `path`.
    /// - Throws: ``ProfileError`` when the file is unreadable, not YAML, or not a valid profile.
    public static func load(path: String) throws -> HardwareProfile {
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8)
        else {
            throw ProfileError(file: path, field: "", problem: "cannot read the file (missing or not UTF-8 text)")
        }
        return try parse(yaml: text, file: path)
    }

    /// Parses a profile from YAML text; `file` names it in errors.
    /// - Throws: ``ProfileError``.
    public static func parse(yaml text: String, file: String) throws -> HardwareProfile {
        try YAMLLimits.check(text, file: file)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            let detail = String(describing: error).split(separator: "\n").first.map(String.init) ?? ""
            throw ProfileError(file: file, field: "", problem: "not valid YAML (\(detail))")
        }
        let top = try YAMLFields(
            root, file: file, path: "",
            known: [
                "name", "source", "technology_nm", "clock_MHz", "leakage_mW", "compute", "memory", "dram", "notes",
            ])
        let name = try top.string("name")
        let source = try top.string("source")
        if top.has("notes") { _ = try top.string("notes") }
        let technology = try top.number("technology_nm", positive: true)
        let clock = try top.number("clock_MHz", positive: true)
        let leakage = try top.number("leakage_mW", positive: false)
        let compute = try computeArray(try top.fields("compute", known: computeFields))
        let memoryNodes = try top.list("memory", expected: "a non-empty list of on-chip memories")
        var memories: [MemoryLevel] = []
        for (i, node) in memoryNodes.enumerated() {
            memories.append(try memoryLevel(node, file: file, path: "memory[\(i)]", earlier: memories))
        }
        for role in [TensorRole.inputs, .outputs] where !memories.contains(where: { $0.holds.contains(role) }) {
            throw ProfileError(
                file: file, field: "memory",
                problem: "no on-chip memory holds \(role.rawValue) (expected one level with it in `holds`)")
        }
        if compute.dataflow == .rowStationary && !memories.contains(where: { $0.holds.contains(.weights) }) {
            throw ProfileError(
                file: file, field: "memory",
                problem: "dataflow row-stationary needs a memory holding weights (the PEs' register files)")
        }
        return HardwareProfile(
            name: name, source: source, technologyNM: technology, clockMHz: clock, leakageMW: leakage,
            compute: compute, memories: memories, dram: try offChipMemory(top, dataflow: compute.dataflow))
    }

    /// `dram`: bandwidth and energy, and the optional `ports` (default shared), `tiles` (default
    /// fold) and `input_fetch` (default tensor).
    /// `input_fetch: im2col` needs a systolic array (whose column folds sweep the im2col matrix).
    private static func offChipMemory(_ top: YAMLFields, dataflow: Dataflow) throws -> OffChipMemory {
        let dram = try top.fields(
            "dram", known: ["bandwidth_GBps", "energy_pJ_per_bit", "ports", "tiles", "input_fetch"])
        let inputFetch = dram.has("input_fetch") ? try dram.choice("input_fetch", InputFetch.self) : .tensor
        if inputFetch == .im2col && ![.systolicWS, .systolicOS].contains(dataflow) {
            throw dram.error(
                "input_fetch", "im2col needs dataflow systolic-ws or systolic-os, found \(dataflow.rawValue)")
        }
        return OffChipMemory(
            bandwidthGBps: try dram.number("bandwidth_GBps", positive: true),
            energyPJPerBit: try dram.number("energy_pJ_per_bit", positive: false),
            ports: dram.has("ports") ? try dram.choice("ports", DRAMPorts.self) : .shared,
            tiles: dram.has("tiles") ? try dram.choice("tiles", DRAMTiles.self) : .fold,
            inputFetch: inputFetch)
    }

    private static let computeFields = [
        "kind", "serial_operands", "macs_per_cycle", "array", "weight_bits", "activation_bits",
        "multiplier_bits", "accumulator_bits", "accumulator_overflow", "requant", "mac_energy_pJ", "add_energy_pJ",
        "special_functions", "special_function_energy_pJ", "throughput", "output_stage",
    ]

    private static func computeArray(_ c: YAMLFields) throws -> ComputeArray {
        let kind = try c.choice("kind", ArrayKind.self)
        var serial: SerialOperands?
        if kind == .bitSerial {
            serial = try c.choice("serial_operands", SerialOperands.self)
        } else if c.has("serial_operands") {
            throw c.error("serial_operands", "only allowed with kind: bit-serial")
        }
        let macs = try c.positiveInt("macs_per_cycle")
        let array = try c.fields("array", known: ["dataflow", "rows", "cols", "pixels", "rf_words"])
        let dataflow = try array.choice("dataflow", Dataflow.self)
        let rows = try array.positiveInt("rows"), cols = try array.positiveInt("cols")
        var pixels = 1
        if array.has("pixels") {
            guard dataflow == .parallel else { throw array.error("pixels", "only allowed with dataflow: parallel") }
            pixels = try array.positiveInt("pixels")
        }
        let registerFile = try registerFileWords(array, dataflow: dataflow)
        guard rows * cols * pixels == macs else {
            throw c.error(
                "macs_per_cycle", "expected rows·cols·pixels of compute.array = \(rows * cols * pixels), found \(macs)")
        }
        let wBits = try c.bitList("weight_bits"), aBits = try c.bitList("activation_bits")
        let multiplier = try c.positiveInt("multiplier_bits")
        let widest = max(wBits[wBits.count - 1], aBits[aBits.count - 1])
        if kind == .bitFusion && widest > multiplier {
            throw c.error(
                "multiplier_bits",
                "expected at least the widest supported width (\(widest)) for bit-fusion, found \(multiplier)")
        }
        let accumulator = try c.positiveInt("accumulator_bits")
        guard (8...64).contains(accumulator) else {
            throw c.error("accumulator_bits", "expected 8...64 (the widths the simulator runs), found \(accumulator)")
        }
        let overflow = c.has("accumulator_overflow") ? try c.choice("accumulator_overflow", OverflowMode.self) : .wrap
        var computeArray = ComputeArray(
            kind: kind, serialOperands: serial, macsPerCycle: macs, dataflow: dataflow,
            rows: rows, cols: cols, pixels: pixels, weightBits: wBits, activationBits: aBits,
            multiplierBits: multiplier, accumulatorBits: accumulator, accumulatorOverflow: overflow,
            requant: try c.choice("requant", RequantMode.self),
            macEnergyPJ: try c.number("mac_energy_pJ", positive: false),
            addEnergyPJ: try c.number("add_energy_pJ", positive: false), registerFile: registerFile)
        try specialFunctions(c, into: &computeArray)
        computeArray.throughput = try throughputRules(c, weightBits: wBits, activationBits: aBits)
        if c.has("output_stage") {
            let stage = try c.fields("output_stage", known: ["outputs_per_cycle", "energy_pJ_per_output"])
            computeArray.outputStage = OutputStage(
                outputsPerCycle: try stage.number("outputs_per_cycle", positive: true),
                energyPJPerOutput: try stage.number("energy_pJ_per_output", positive: false))
        }
        return computeArray
    }

    /// `compute.throughput` (optional): a list of `{weight_bits?, activation_bits?, cycles_per_mac,
    /// mac_energy_pJ?}`, each width one the array supports.
    private static func throughputRules(_ c: YAMLFields, weightBits: [Int], activationBits: [Int]) throws
        -> [ThroughputRule]
    {
        guard c.has("throughput") else { return [] }
        let nodes = try c.list("throughput", expected: "a non-empty list of {activation_bits, cycles_per_mac} rules")
        return try nodes.enumerated().map { i, node in
            let r = try YAMLFields(
                node, file: c.file, path: YAMLFields.join(c.path, "throughput[\(i)]"),
                known: ["weight_bits", "activation_bits", "cycles_per_mac", "mac_energy_pJ"])
            func width(_ key: String, _ supported: [Int]) throws -> Int? {
                guard r.has(key) else { return nil }
                let b = try r.positiveInt(key)
                guard supported.contains(b) else {
                    throw r.error(key, "expected one of the array's widths \(supported), found \(b)")
                }
                return b
            }
            return ThroughputRule(
                weightBits: try width("weight_bits", weightBits),
                activationBits: try width("activation_bits", activationBits),
                cyclesPerMAC: try r.positiveInt("cycles_per_mac"),
                macEnergyPJ: r.has("mac_energy_pJ") ? try r.number("mac_energy_pJ", positive: false) : nil)
        }
    }

    /// `compute.special_functions` (optional, default integer) and `special_function_energy_pJ`
    /// (required with `unit`, rejected otherwise).
    private static func specialFunctions(_ c: YAMLFields, into array: inout ComputeArray) throws {
        if c.has("special_functions") {
            array.specialFunctions = try c.choice("special_functions", SpecialFunctions.self)
        }
        guard array.specialFunctions == .unit else {
            if c.has("special_function_energy_pJ") {
                throw c.error("special_function_energy_pJ", "only allowed with special_functions: unit")
            }
            return
        }
        array.specialFunctionEnergyPJ = try c.number("special_function_energy_pJ", positive: false)
    }

    /// `compute.array.rf_words`: required with dataflow row-stationary, rejected otherwise.
    private static func registerFileWords(_ array: YAMLFields, dataflow: Dataflow) throws -> RegisterFileWords? {
        guard dataflow == .rowStationary else {
            if array.has("rf_words") { throw array.error("rf_words", "only allowed with dataflow: row-stationary") }
            return nil
        }
        let rf = try array.fields("rf_words", known: ["weights", "inputs", "psums"])
        return RegisterFileWords(
            weights: try rf.positiveInt("weights"), inputs: try rf.positiveInt("inputs"),
            psums: try rf.positiveInt("psums"))
    }

    private static func memoryLevel(
        _ node: Node, file: String, path: String,
        earlier: [MemoryLevel]
    ) throws -> MemoryLevel {
        let m = try YAMLFields(
            node, file: file, path: path,
            known: [
                "name", "size_KiB", "word_bits", "bandwidth_bits_per_cycle", "energy_pJ_per_bit",
                "energy_pJ_per_access", "holds", "persistent_weights",
            ])
        let name = try m.string("name")
        if earlier.contains(where: { $0.name == name }) {
            throw m.error("name", "expected a unique memory name, found \"\(name)\" twice")
        }
        let wordBits = try m.positiveInt("word_bits")
        let energy: Double
        switch (m.has("energy_pJ_per_bit"), m.has("energy_pJ_per_access")) {
        case (true, false): energy = try m.number("energy_pJ_per_bit", positive: false)
        case (false, true): energy = try m.number("energy_pJ_per_access", positive: false) / Double(wordBits)
        default:
            throw m.error("energy_pJ_per_bit", "expected exactly one of energy_pJ_per_bit or energy_pJ_per_access")
        }
        let holds = try m.choiceSet("holds", TensorRole.self)
        for role in holds {
            if let other = earlier.first(where: { $0.holds.contains(role) }) {
                throw m.error(
                    "holds",
                    "\(role.rawValue) are already held by \"\(other.name)\" (each of weights, inputs, outputs lives in at most one level)"
                )
            }
        }
        var persistent = false
        if m.has("persistent_weights") {
            guard holds.contains(.weights) else {
                throw m.error("persistent_weights", "only allowed on a memory that holds weights")
            }
            persistent = try m.bool("persistent_weights")
        }
        let size = try m.number("size_KiB", positive: true)
        return MemoryLevel(
            name: name, sizeBytes: Int((size * 1024).rounded()), wordBits: wordBits,
            bandwidthBitsPerCycle: try m.number("bandwidth_bits_per_cycle", positive: true),
            energyPJPerBit: energy, holds: holds, persistentWeights: persistent)
    }
}
