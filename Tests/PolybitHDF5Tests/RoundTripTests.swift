import Foundation
import PolybitHDF5
import PolybitTestSupport
import Testing

@Suite struct RoundTripTests {
    func roundTrip<T: HDF5Scalar & Equatable>(_ type: T.Type, _ make: (Int) -> T) throws {
        let path = temporaryDirectory() + "/rt.h5"
        let shapes: [[Int]] = [[], [5], [3, 4], [2, 3, 4], [2, 1, 3, 2]]
        let file = try HDF5File(path: path, mode: .truncate)
        for (i, shape) in shapes.enumerated() {
            let values = (0..<shape.reduce(1, *)).map(make)
            try file.root.write("g/d\(i)", values, shape: shape)
        }
        file.close()
        let back = try HDF5File(path: path, mode: .readOnly)
        for (i, shape) in shapes.enumerated() {
            let a = try back.root.read("g/d\(i)", as: T.self)
            #expect(a.shape == shape)
            #expect(a.values == (0..<shape.reduce(1, *)).map(make))
            #expect(try back.root.datasetInfo("g/d\(i)").elementType == T.elementType)
        }
        // h5py reads the same numbers and dtypes with no Polybit code.
        let out = try runPython(
            """
            import h5py, sys
            f = h5py.File(sys.argv[1], 'r')
            for i in range(5):
                d = f['g/d%d' % i]
                print(d.dtype.name, list(d.shape), d[()].flatten().tolist() if d.shape else [d[()].item()])
            """, [path])
        let lines = out.split(separator: "\n")
        for (i, shape) in shapes.enumerated() {
            let values = (0..<shape.reduce(1, *)).map(make)
            let expected = "\(T.elementType.rawValue) \(shape) \(values.map { "\($0)" })"
            #expect(normalize(String(lines[i])) == normalize(expected))
        }
    }

    /// Python prints 1.0 and 'x' where Swift prints 1.0 and "x": compare numbers and punctuation only.
    func normalize(_ s: String) -> String {
        s.replacingOccurrences(of: "\"", with: "").replacingOccurrences(of: "'", with: "")
    }

    @Test func float32() throws { try roundTrip(Float.self) { Float($0) * 0.5 - 3 } }
    @Test func float64() throws { try roundTrip(Double.self) { Double($0) * 0.25 + 1 } }
    @Test func int8() throws { try roundTrip(Int8.self) { Int8(truncatingIfNeeded: $0 * 37 - 128) } }
    @Test func uint8() throws { try roundTrip(UInt8.self) { UInt8(truncatingIfNeeded: $0 * 41) } }
    @Test func int16() throws { try roundTrip(Int16.self) { Int16(truncatingIfNeeded: $0 * 9001 - 30000) } }
    @Test func int32() throws { try roundTrip(Int32.self) { Int32($0) * 100_003 - 1_000_000 } }
    @Test func int64() throws { try roundTrip(Int64.self) { Int64($0) * 10_000_000_007 - 1 } }

    @Test func chunkedCompressedDatasetRoundTripsAndIsChunked() throws {
        let path = temporaryDirectory() + "/big.h5"
        let values = (0..<(300 * 1024)).map { Float($0 % 251) }
        let file = try HDF5File(path: path, mode: .truncate)
        try file.root.write("images", values, shape: [300, 32, 32])
        try file.root.write("small", [Float(1), 2], shape: [2])
        file.close()
        let f = try HDF5File(path: path, mode: .readOnly)
        #expect(try f.root.read("images", as: Float.self).values == values)
        let rows = try f.root.readRows("images", 10..<12, as: Float.self)
        #expect(rows.shape == [2, 32, 32])
        #expect(rows.values == Array(values[(10 * 1024)..<(12 * 1024)]))
        let out = try runPython(
            """
            import h5py, sys
            f = h5py.File(sys.argv[1], 'r')
            d = f['images']; s = f['small']
            print(d.chunks is not None, d.compression, d.shuffle, s.chunks is None, int(d[10, 0, 5]))
            """, [path])
        #expect(
            out.trimmingCharacters(in: .whitespacesAndNewlines) == "True gzip True True \(Int(values[10 * 1024 + 5]))")
    }

    @Test func attributesOfEveryKindRoundTrip() throws {
        let path = temporaryDirectory() + "/attrs.h5"
        let attrs: [(String, HDF5AttributeValue)] = [
            ("i", .int(-7)), ("d", .double(0.125)), ("f", .float(1.5)), ("s", .string("résumé")),
            ("is", .ints([1, 2, 3])), ("ds", .doubles([0.5, -2])), ("fs", .floats([3, 4.25])),
            ("ss", .strings(["a", "bcd", ""])),
        ]
        let file = try HDF5File(path: path, mode: .truncate)
        try file.root.write("layer/w", [Int8(1), -2], shape: [2])
        for (k, v) in attrs {
            try file.root.setAttribute(k, v)
            try file.root.setAttribute(k, v, on: "layer/w")
        }
        try file.root.setAttribute("i", .int(9))  // replacing keeps one value
        file.close()
        let f = try HDF5File(path: path, mode: .readOnly)
        #expect(try f.root.attribute("i") == .int(9))
        for (k, v) in attrs.dropFirst() { #expect(try f.root.attribute(k) == v) }
        for (k, v) in attrs { #expect(try f.root.attribute(k, on: "layer/w") == v) }
        #expect(try Set(f.root.attributeNames()) == Set(attrs.map(\.0)))
        let g = try f.root.group("layer")
        #expect(try g.attribute("is", on: "w") == .ints([1, 2, 3]))
        let out = try runPython(
            """
            import h5py, sys
            a = h5py.File(sys.argv[1], 'r')['layer/w'].attrs
            def s(v): return v.decode() if isinstance(v, bytes) else v
            print(int(a['i']), float(a['d']), float(a['f']), s(a['s']), list(map(int, a['is'])),
                  [s(x) for x in a['ss']])
            """, [path])
        #expect(out.trimmingCharacters(in: .whitespacesAndNewlines) == "-7 0.125 1.5 résumé [1, 2, 3] ['a', 'bcd', '']")
    }

    @Test func readsFilesWrittenByH5py() throws {
        let path = temporaryDirectory() + "/py.h5"
        _ = try runPython(
            """
            import h5py, sys, numpy as np
            f = h5py.File(sys.argv[1], 'w')
            d = f.create_dataset('x/y', data=np.arange(6, dtype=np.int16).reshape(2, 3))
            d.attrs['name'] = 'conv1'
            d.attrs['scales'] = np.array([0.5, 0.25])
            f.attrs['version'] = 3
            f.attrs['tags'] = ['a', 'bb']
            """, [path])
        let f = try HDF5File(path: path, mode: .readOnly)
        let a = try f.root.read("x/y", as: Int32.self)
        #expect(a.shape == [2, 3] && a.values == [0, 1, 2, 3, 4, 5])
        #expect(try f.root.datasetInfo("x/y").elementType == .int16)
        #expect(try f.root.attribute("name", on: "x/y") == .string("conv1"))
        #expect(try f.root.attribute("scales", on: "x/y") == .doubles([0.5, 0.25]))
        #expect(try f.root.attribute("version").intValue == 3)
        #expect(try f.root.attribute("tags") == .strings(["a", "bb"]))
        #expect(try f.root.childNames() == ["x"])
        #expect(f.root.isGroup("x") && !f.root.isGroup("x/y"))
    }
}
