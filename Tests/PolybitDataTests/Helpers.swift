import Foundation
import PolybitTensor
import PolybitTestSupport
import Testing

/// Writes `bytes` to `path`.
func writeBytes(_ bytes: [UInt8], to path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

/// Gzip-compresses `bytes` (with the system `gzip`).
func gzipped(_ bytes: [UInt8]) throws -> [UInt8] {
    let dir = temporaryDirectory()
    try writeBytes(bytes, to: dir + "/f")
    try runProgram("gzip", ["-n", dir + "/f"])
    return [UInt8](try Data(contentsOf: URL(fileURLWithPath: dir + "/f.gz")))
}

/// Expects `body` to throw a one-line `BadInput` error whose description contains every fragment.
func expectError(
    _ fragments: String..., sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> Void
) {
    do {
        try body()
        Issue.record("expected an error containing \(fragments)", sourceLocation: sourceLocation)
    } catch {
        let text = "\(error)"
        for f in fragments {
            #expect(text.contains(f), "'\(f)' not in: \(text)", sourceLocation: sourceLocation)
        }
        #expect(!text.contains("\n"), "message spans lines: \(text)", sourceLocation: sourceLocation)
        #expect(error is any BadInput, "not a bad-input error: \(type(of: error))", sourceLocation: sourceLocation)
    }
}

/// An IDX header: magic `0x0000080D` then big-endian extents.
func idxHeader(dimensions dims: [Int], magic: UInt32? = nil) -> [UInt8] {
    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }
    return be(magic ?? (0x0800 | UInt32(dims.count))) + dims.flatMap { be(UInt32($0)) }
}

/// Writes a small MNIST-layout directory: `train` and `t10k` images (n×h×w) and labels, gzip.
func writeIDXDirectory(
    _ dir: String, trainLabels: [UInt8], testLabels: [UInt8], height: Int = 4,
    width: Int = 3
) throws {
    for (prefix, labels) in [("train", trainLabels), ("t10k", testLabels)] {
        let n = labels.count
        let pixels = (0..<(n * height * width)).map { UInt8($0 % 256) }
        try writeBytes(
            try gzipped(idxHeader(dimensions: [n, height, width]) + pixels),
            to: "\(dir)/\(prefix)-images-idx3-ubyte.gz")
        try writeBytes(idxHeader(dimensions: [n]) + labels, to: "\(dir)/\(prefix)-labels-idx1-ubyte")
    }
}
