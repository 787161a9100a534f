import Foundation
import PolybitTensor

/// One profile field set to several values in turn (`polybit cost --vary FIELD=v1,v2,…`), named as
/// in the profile's YAML: `compute.array.rows`, `compute.array.cols`, `compute.array.size` (a square
/// array: rows = cols), `memory.<NAME>.size_KiB`, `memory.<NAME>.bandwidth_bits_per_cycle`,
/// `dram.bandwidth_GBps`, `clock_MHz`. Changing the array's rows or columns changes
/// `macs_per_cycle` with them (rows · cols · pixels), as the profile requires.
public struct ProfileVariation: Sendable, Equatable {
    /// The fields that can vary.
    public enum Field: Sendable, Equatable {
        case arrayRows, arrayCols, arraySize
        case memorySize(String)
        case memoryBandwidth(String)
        case dramBandwidth, clock
    }

    public var field: Field
    /// The field as the user wrote it (for tables and errors).
    public var fieldName: String
    /// The values, in the order given; each finite and positive (whole numbers for array sizes).
    public var values: [Double]

    /// Parses `FIELD=v1,v2,…`. Throws `InputError` naming `--vary` and what is wrong.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
            throw InputError("--vary \(text): expected FIELD=v1,v2,... (e.g. compute.array.size=8,16,32)")
        }
        fieldName = parts[0].trimmingCharacters(in: .whitespaces)
        field = try Self.field(fieldName)
        values = try parts[1].split(separator: ",", omittingEmptySubsequences: false).map { item in
            let s = item.trimmingCharacters(in: .whitespaces)
            guard let v = Double(s), v.isFinite, v > 0, s.allSatisfy({ "0123456789.eE+-".contains($0) }) else {
                throw InputError("--vary \(text): '\(s)' is not a positive number")
            }
            return v
        }
        if field.isArrayExtent, let bad = values.first(where: { $0 != $0.rounded() || $0 > 65_536 }) {
            throw InputError("--vary \(text): \(bad) is not a whole number of PEs up to 65536")
        }
    }

    private static func field(_ name: String) throws -> Field {
        switch name {
        case "compute.array.rows": return .arrayRows
        case "compute.array.cols": return .arrayCols
        case "compute.array.size": return .arraySize
        case "dram.bandwidth_GBps": return .dramBandwidth
        case "clock_MHz": return .clock
        default:
            let p = name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            if p.count == 3, p[0] == "memory", !p[1].isEmpty {
                if p[2] == "size_KiB" { return .memorySize(p[1]) }
                if p[2] == "bandwidth_bits_per_cycle" { return .memoryBandwidth(p[1]) }
            }
            throw InputError(
                "--vary \(name): unknown field; one of compute.array.rows, compute.array.cols, compute.array.size, "
                    + "memory.<NAME>.size_KiB, memory.<NAME>.bandwidth_bits_per_cycle, dram.bandwidth_GBps, clock_MHz")
        }
    }

    /// `profile` with the field set to `value`. Throws `InputError` when the profile has no memory
    /// of that name (listing the ones it has).
    public func apply(_ value: Double, to profile: HardwareProfile, file: String) throws -> HardwareProfile {
        var p = profile
        func setArray(rows: Int, cols: Int) {
            p.compute.rows = rows; p.compute.cols = cols
            p.compute.macsPerCycle = rows * cols * p.compute.pixels
        }
        switch field {
        case .arrayRows: setArray(rows: Int(value), cols: p.compute.cols)
        case .arrayCols: setArray(rows: p.compute.rows, cols: Int(value))
        case .arraySize: setArray(rows: Int(value), cols: Int(value))
        case .dramBandwidth: p.dram.bandwidthGBps = value
        case .clock: p.clockMHz = value
        case .memorySize(let name), .memoryBandwidth(let name):
            guard let i = p.memories.firstIndex(where: { $0.name == name }) else {
                throw InputError(
                    "--vary \(fieldName): \(file) has no memory '\(name)' (it has \(p.memories.map(\.name).joined(separator: ", ")))"
                )
            }
            if case .memorySize = field {
                p.memories[i].sizeBytes = Int((value * 1024).rounded())
            } else {
                p.memories[i].bandwidthBitsPerCycle = value
            }
        }
        return p
    }
}

extension ProfileVariation.Field {
    /// Rows, columns or both: values must be whole numbers.
    var isArrayExtent: Bool {
        switch self {
        case .arrayRows, .arrayCols, .arraySize: true
        default: false
        }
    }
}
