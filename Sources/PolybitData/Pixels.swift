import PolybitTensor

/// Conversions of raw 8-bit pixels.
public enum Pixels {
    /// `pixels[i] / 255` as Float, in `[0, 1]`.
    public static func scaled(_ pixels: [UInt8]) -> [Float] {
        [Float](unsafeUninitializedCapacity: pixels.count) { out, initialized in
            let dst = out
            pixels.withUnsafeBufferPointer { src in
                Parallel.forEachChunk(src.count, minimumChunk: 1 << 20) { range in
                    for i in range { dst[i] = Float(src[i]) / 255 }
                }
            }
            initialized = pixels.count
        }
    }
}
