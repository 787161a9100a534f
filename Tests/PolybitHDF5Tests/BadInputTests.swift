import Foundation
import PolybitHDF5
import PolybitTestSupport
import Testing

@Suite struct BadInputTests {
    func expectError(_ fragment: String, _ body: () throws -> Void) {
        do {
            try body()
            Issue.record("expected an error containing '\(fragment)'")
        } catch {
            #expect("\(error)".contains(fragment), "got: \(error)")
        }
    }

    @Test func missingFileIsNamed() {
        expectError("nope.h5: no such file") { _ = try HDF5File(path: "/tmp/nope.h5", mode: .readOnly) }
    }

    @Test func foreignFileIsNotHDF5() throws {
        let path = temporaryDirectory() + "/foreign.h5"
        try Data("PK\u{3}\u{4} this is a zip, not HDF5".utf8).write(to: URL(fileURLWithPath: path))
        expectError("not an HDF5 file") { _ = try HDF5File(path: path, mode: .readOnly) }
    }

    @Test func truncatedFileFailsCleanly() throws {
        let dir = temporaryDirectory()
        let path = dir + "/full.h5"
        let file = try HDF5File(path: path, mode: .truncate)
        try file.root.write(
            "big", (0..<100_000).map { Float($0) }, shape: [100_000],
            options: .contiguous)
        file.close()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = dir + "/cut.h5"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: cut))
        do {
            let f = try HDF5File(path: cut, mode: .readOnly)
            _ = try f.root.read("big", as: Float.self)
            Issue.record("reading a truncated file succeeded")
        } catch let error as HDF5Error {
            #expect(error.file == cut)
        }
    }

    @Test func missingObjectsAreNamed() throws {
        let path = temporaryDirectory() + "/m.h5"
        let file = try HDF5File(path: path, mode: .truncate)
        try file.root.write("a/b", [Int32(1)], shape: [1])
        expectError("/a/c: no such dataset") { _ = try file.root.read("a/c", as: Int32.self) }
        expectError("/a/b: missing attribute 'bits'") { _ = try file.root.attribute("bits", on: "a/b") }
        expectError("/zz: no such group") { _ = try file.root.group("zz") }
        expectError("shape [2] needs 2 values, got 1") { try file.root.write("x", [Float(1)], shape: [2]) }
    }

    @Test func failedAtomicWriteLeavesExistingFileIntact() throws {
        let path = temporaryDirectory() + "/keep.h5"
        try HDF5File.writeAtomically(to: path) { try $0.root.write("v", [Int32(7)], shape: [1]) }
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try HDF5File.writeAtomically(to: path) { f in
                try f.root.write("v", [Int32(8)], shape: [1])
                throw Boom()
            }
        }
        let f = try HDF5File(path: path, mode: .readOnly)
        #expect(try f.root.read("v", as: Int32.self).values == [7])
        let leftovers = try FileManager.default.contentsOfDirectory(
            atPath: (path as NSString).deletingLastPathComponent)
        #expect(leftovers == ["keep.h5"])
    }
}
