import Foundation
import PolybitHardware

/// Paths and small profiles shared by the tests.
enum Fixtures {
    /// The package root (this file is Tests/PolybitHardwareTests/Fixtures.swift).
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static func profilePath(_ name: String) -> String {
        root.appendingPathComponent("hwprofiles").appendingPathComponent(name).path
    }

    /// A toy accelerator with round numbers for hand-worked costs: a 4x4 weight-stationary systolic
    /// array of 8-bit MACs (1 pJ each), 100 MHz, 1 mW leakage; a 1 KiB weight buffer (64 bits/cycle,
    /// 0.1 pJ/bit); a 4 KiB activation buffer for inputs and outputs (32 bits/cycle, 0.2 pJ/bit);
    /// DRAM at 0.8 GB/s (= 64 bits/cycle at 100 MHz), 10 pJ/bit.
    static let toyYAML = """
        name: Toy
        source: hand-made for tests
        technology_nm: 45
        clock_MHz: 100
        leakage_mW: 1
        compute:
          kind: fixed-width
          macs_per_cycle: 16
          array: {dataflow: DATAFLOW, rows: 4, cols: 4}
          weight_bits: [8]
          activation_bits: [8]
          multiplier_bits: 8
          accumulator_bits: 32
          requant: double
          mac_energy_pJ: 1
          add_energy_pJ: 0.5
        memory:
          - {name: WB, size_KiB: 1, word_bits: 64, bandwidth_bits_per_cycle: 64, energy_pJ_per_bit: 0.1, holds: [weights]}
          - {name: AB, size_KiB: 4, word_bits: 32, bandwidth_bits_per_cycle: 32, energy_pJ_per_access: 6.4, holds: [inputs, outputs]}
        dram:
          bandwidth_GBps: 0.8
          energy_pJ_per_bit: 10
        """

    static func toy(dataflow: String = "systolic-ws") throws -> HardwareProfile {
        try ProfileLoader.parse(yaml: toyYAML.replacingOccurrences(of: "DATAFLOW", with: dataflow), file: "toy.yaml")
    }
}
