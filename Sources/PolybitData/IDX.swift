/// Reader for the IDX format of MNIST and Fashion-MNIST (gzip-compressed or plain):
/// a big-endian header (magic `0x0000080D`, D = number of dimensions; type code 8 = uint8), then
/// D big-endian UInt32 extents, then the uint8 values row-major.
public enum IDX {
    /// Images from an IDX3 file (magic `0x00000803`, extents N×H×W): raw pixels 0–255, row-major.
    public static func readImages(_ path: String) throws -> (pixels: [UInt8], count: Int, height: Int, width: Int) {
        let (dims, values) = try read(path, dimensions: 3, what: "images")
        return (values, dims[0], dims[1], dims[2])
    }

    /// Labels from an IDX1 file (magic `0x00000801`, extent N), each checked to be below `classes`.
    public static func readLabels(_ path: String, classes: Int) throws -> [Int32] {
        let (_, values) = try read(path, dimensions: 1, what: "labels")
        if let at = values.firstIndex(where: { Int($0) >= classes }) {
            throw DataError(file: path, "label \(values[at]) at index \(at) is out of range; expected 0..<\(classes)")
        }
        return values.map { Int32($0) }
    }

    /// A dataset from a pair of IDX files (single channel), pixels scaled to `[0, 1]`.
    public static func readDataset(
        name: String, images imagePath: String, labels labelPath: String,
        classes: Int
    ) throws -> Dataset {
        let images = try readImages(imagePath)
        let labels = try readLabels(labelPath, classes: classes)
        guard labels.count == images.count else {
            throw DataError(
                file: labelPath,
                "has \(labels.count) labels but \(imagePath) has \(images.count) images; expected one label per image")
        }
        return Dataset(
            name: name, images: Pixels.scaled(images.pixels), labels: labels, channels: 1,
            height: images.height, width: images.width, classes: classes)
    }

    /// The extents and values of an IDX file of unsigned bytes with `dimensions` extents.
    static func read(_ path: String, dimensions: Int, what: String) throws -> (dims: [Int], values: [UInt8]) {
        // The header first, then no more than it announces (a gzip stream is inflated that far).
        let raw = try FileBytes.readRaw(path)
        var bytes = try FileBytes.decoded(raw, path: path, maximum: 4 + 4 * dimensions)
        let expectedMagic = 0x0800 | UInt32(dimensions)
        let headerSize = 4 + 4 * dimensions
        guard bytes.count >= 4 else {
            throw DataError(file: path, "too short for an IDX header (\(bytes.count) bytes); expected IDX \(what)")
        }
        let magic = bigEndian(bytes, at: 0)
        guard magic == expectedMagic else {
            throw DataError(
                file: path,
                "wrong magic number \(hex(magic)); expected \(hex(expectedMagic)) (IDX \(what), uint8, \(dimensions) dimension\(dimensions == 1 ? "" : "s"))"
            )
        }
        guard bytes.count >= headerSize else {
            throw DataError(file: path, "truncated header (\(bytes.count) bytes); expected \(headerSize)")
        }
        let dims = (0..<dimensions).map { Int(bigEndian(bytes, at: 4 + 4 * $0)) }
        let (product, overflow) = dims.reduce((1, false)) { acc, d in
            let (p, o) = acc.0.multipliedReportingOverflow(by: d)
            return (p, acc.1 || o)
        }
        let expected = overflow ? Int.max : product
        bytes = try FileBytes.decoded(
            raw, path: path, maximum: expected > Int.max - headerSize ? Int.max : headerSize + expected)
        let have = bytes.count - headerSize
        guard have == expected else {
            let shape = dims.map(String.init).joined(separator: "x")
            throw DataError(
                file: path,
                have < expected
                    ? "truncated: header says \(shape) \(what) (\(expected) bytes of data) but the file holds \(have)"
                    : "header says \(shape) \(what) (\(expected) bytes of data) but the file holds at least \(have); expected exactly that many"
            )
        }
        return (dims, Array(bytes[headerSize...]))
    }

    private static func bigEndian(_ b: [UInt8], at i: Int) -> UInt32 {
        UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
    }

    private static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
    }
}
