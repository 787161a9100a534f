import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The global heap collections of a file, walked before libhdf5 opens it. Variable-length strings
/// (every text attribute Polybit writes: recipes, layer names, formats) live in them, and libhdf5
/// 1.10 trusts each object's size when it reads one: `H5HG_read` copies that many bytes, so one
/// corrupt size field crashes the process (found by tools/fuzz.sh; docs/reliability.md).
///
/// A collection (HDF5 file format specification, III.E) is `"GCOL"`, version 1, 3 reserved bytes
/// and its size `S` (a "length", `L` bytes as the superblock declares), then objects: a 2-byte index,
/// a 2-byte reference count, 4 reserved bytes, an `L`-byte size `n` and `n` bytes of data padded to
/// a multiple of 8; index 0 is the free space, whose size counts its own header. The objects must
/// tile the collection exactly, as libhdf5's decoder assumes (and asserts only in debug builds).
/// Collections are found by their signature at any offset; a match whose version, reserved bytes or
/// size (≥ 4096, inside the file) are not a collection's is data, not a collection. A file whose
/// superblock is not at offset 0 (a user block) is not checked.
enum HDF5GlobalHeapCheck {
    /// Smallest collection libhdf5 writes.
    static let minimumCollectionBytes = 4096

    /// Throws an `HDF5Error` naming `path` and the byte offset of the first collection whose
    /// objects overrun it or do not tile it.
    static func validate(path: String) throws {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) else { return }
        let problem: (offset: Int, reason: String)? = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            guard let lengthBytes = sizeOfLengths(bytes) else { return nil }
            var offset = 0
            while let found = nextSignature(bytes, from: offset) {
                if let reason = collectionProblem(bytes, at: found, lengthBytes: lengthBytes) {
                    return (found, reason)
                }
                offset = found + 4
            }
            return nil
        }
        if let problem {
            throw HDF5Error(
                file: path, object: "/",
                message: "corrupt global heap collection at byte \(problem.offset): \(problem.reason)")
        }
    }

    /// The superblock's "size of lengths" (2, 4 or 8), or nil when there is no superblock at 0.
    static func sizeOfLengths(_ b: UnsafeBufferPointer<UInt8>) -> Int? {
        let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
        guard b.count >= 16, Array(b[0..<8]) == signature else { return nil }
        let field = b[8] < 2 ? 14 : 10  // superblock versions 0/1, then 2/3
        let n = Int(b[field])
        return [2, 4, 8].contains(n) ? n : nil
    }

    /// The offset of the next `"GCOL"` at or after `start`.
    static func nextSignature(_ b: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        guard let base = b.baseAddress else { return nil }
        var at = start
        while at + 4 <= b.count, let hit = memchr(base + at, 0x47, b.count - at - 3) {  // "G"
            let i = UnsafeRawPointer(hit) - UnsafeRawPointer(base)
            if b[i + 1] == 0x43, b[i + 2] == 0x4F, b[i + 3] == 0x4C { return i }  // "COL"
            at = i + 1
        }
        return nil
    }

    /// A little-endian unsigned integer of `n` bytes at `at`.
    static func integer(_ b: UnsafeBufferPointer<UInt8>, at: Int, bytes n: Int) -> Int {
        var v: UInt64 = 0
        for k in (0..<n).reversed() { v = v << 8 | UInt64(b[at + k]) }
        return Int(clamping: v)
    }

    /// Why the collection at `start` cannot be read safely, or nil when its objects tile it (or
    /// the match is not a collection's header).
    static func collectionProblem(_ b: UnsafeBufferPointer<UInt8>, at start: Int, lengthBytes l: Int) -> String? {
        let header = 8 + l, objectHeader = 8 + l
        guard start + header <= b.count, b[start + 4] == 1, b[start + 5] == 0, b[start + 6] == 0, b[start + 7] == 0
        else { return nil }
        let size = integer(b, at: start + 8, bytes: l)
        guard size >= minimumCollectionBytes, size <= b.count - start else { return nil }
        let end = start + size
        var p = start + header
        while p < end {
            guard p + objectHeader <= end else { return nil }  // libhdf5 takes a short tail as free space
            let index = integer(b, at: p, bytes: 2), n = integer(b, at: p + 8, bytes: l)
            let problem = "object \(index) at byte \(p) claims \(n) bytes; \(end - p) remain in the collection"
            guard n <= size else { return problem }
            let need = index == 0 ? n : objectHeader + (n + 7) / 8 * 8
            guard need >= objectHeader, need <= end - p else { return problem }
            p += need
        }
        return nil
    }
}
