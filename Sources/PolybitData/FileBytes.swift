import CZlib
import Foundation

/// Reading whole dataset files into memory, gunzipping those that start with the gzip magic.
enum FileBytes {
    /// The bytes of `path`, decompressed when the file is gzip (`1f 8b`), plain otherwise. A gzip
    /// stream stops after `maximum + 1` bytes (a few kilobytes can inflate to gigabytes), so a
    /// result longer than `maximum` means "more than `maximum`".
    static func read(_ path: String, maximum: Int = Int.max) throws -> [UInt8] {
        try decoded(try readRaw(path), path: path, maximum: maximum)
    }

    /// `raw` (the bytes of `path`) inflated when it is gzip, as `read` does.
    static func decoded(_ raw: [UInt8], path: String, maximum: Int = Int.max) throws -> [UInt8] {
        raw.count >= 2 && raw[0] == 0x1f && raw[1] == 0x8b ? try gunzip(raw, path: path, maximum: maximum) : raw
    }

    /// The bytes of `path` as stored on disk.
    static func readRaw(_ path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DataError(file: path, "no such file")
        }
        guard !isDirectory.boolValue else { throw DataError(file: path, "is a directory, expected a file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw DataError(file: path, "cannot read the file (permissions?)")
        }
        return [UInt8](data)
    }

    /// Inflates a gzip stream (one or more concatenated members) with zlib, stopping once more
    /// than `maximum` bytes came out.
    static func gunzip(_ input: [UInt8], path: String, maximum: Int = Int.max) throws -> [UInt8] {
        // The trailer's ISIZE (size mod 2^32 of the last member) is a good first capacity; it is
        // capped because a truncated file ends in arbitrary bytes instead of a trailer.
        let hint =
            input.count >= 18
            ? Int(input[input.count - 4]) | Int(input[input.count - 3]) << 8
                | Int(input[input.count - 2]) << 16 | Int(input[input.count - 1]) << 24
            : 0
        let cap = maximum == Int.max ? maximum : maximum + 1
        var output = [UInt8](
            repeating: 0, count: min(max(min(hint, input.count * 16), input.count * 2, 1024), cap))
        var produced = 0
        var stream = z_stream()
        guard inflateInit2_(&stream, 16 + MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw DataError(file: path, "cannot initialise zlib")
        }
        defer { inflateEnd(&stream) }
        try input.withUnsafeBufferPointer { src in
            stream.next_in = UnsafeMutablePointer(mutating: src.baseAddress!)
            stream.avail_in = UInt32(src.count)
            while true {
                if produced >= cap { return }
                if produced == output.count {
                    output.append(contentsOf: repeatElement(0, count: min(output.count, cap - output.count)))
                }
                let status: Int32 = output.withUnsafeMutableBufferPointer { dst in
                    stream.next_out = dst.baseAddress! + produced
                    let room = min(dst.count - produced, Int(UInt32.max))
                    stream.avail_out = UInt32(room)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    produced += room - Int(stream.avail_out)
                    return status
                }
                switch status {
                case Z_STREAM_END:
                    // Another gzip member may follow (as `cat a.gz b.gz` writes).
                    guard stream.avail_in > 0, stream.next_in.pointee == 0x1f else { return }
                    inflateReset(&stream)
                case Z_OK:
                    continue
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw DataError(file: path, "truncated gzip stream (ends after \(produced) decompressed bytes)")
                case Z_BUF_ERROR:
                    continue
                default:
                    let reason = stream.msg.map { String(cString: $0) } ?? "zlib error \(status)"
                    throw DataError(file: path, "corrupt gzip stream (\(reason))")
                }
            }
        }
        output.removeSubrange(produced...)
        return output
    }
}
