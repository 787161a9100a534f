import CHDF5

/// Sizes a file claims, checked before memory is allocated for them: a corrupt or hostile header
/// can claim a 10^9-wide tensor in a file of a few kilobytes.
enum HDF5SizeCheck {
    /// The most a dataset's data may exceed the bytes it occupies in the file: deflate's largest
    /// ratio (1032:1), the only compression Polybit writes, plus 1 MiB for small datasets whose
    /// chunks are not yet allocated (read as the fill value).
    static let maximumExpansion = 1032, slackBytes = 1 << 20

    /// The element count of `shape`, or nil when the product overflows `Int`.
    static func count(_ shape: [Int]) -> Int? {
        var product = 1
        for d in shape {
            let (p, overflow) = product.multipliedReportingOverflow(by: d)
            guard !overflow, d >= 0 else { return nil }
            product = p
        }
        return product
    }

    /// The element count of `shape`, after checking that its data (`elementBytes` per element in
    /// the file) can come from the `storedBytes` the file holds for it; nil when it cannot.
    static func count(_ shape: [Int], elementBytes: Int, storedBytes: UInt64) -> Int? {
        let stored = Int(clamping: storedBytes)
        let allowed =
            stored > (Int.max - slackBytes) / maximumExpansion ? Int.max : stored * maximumExpansion + slackBytes
        guard let count = count(shape), count <= allowed / max(1, elementBytes) else { return nil }
        return count
    }

    /// The error for a shape that claims more data than the file stores.
    static func tooLarge(_ shape: [Int], storedBytes: UInt64) -> String {
        "shape \(shape) claims more data than the file stores for it (\(storedBytes) bytes); corrupt file?"
    }
}
