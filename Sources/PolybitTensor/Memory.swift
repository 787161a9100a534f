/// Process-wide allocator settings for training-sized tensors.
public enum Memory {
    /// Keeps large tensor buffers in the heap instead of fresh `mmap`s (glibc maps blocks above
    /// its threshold and unmaps them on free, so every training step would page-fault its
    /// activations in again). Call once at program start; harmless elsewhere.
    public static func tuneAllocator() {
        #if os(Linux)
            // M_MMAP_THRESHOLD cannot exceed 32 MiB, and column buffers are larger: turn mmap off.
            let mmapMax: Int32 = -4, trimThreshold: Int32 = -1  // M_MMAP_MAX, M_TRIM_THRESHOLD
            _ = glibcMallopt(mmapMax, 0)
            _ = glibcMallopt(trimThreshold, Int32.max)
        #endif
    }
}

#if os(Linux)
    /// glibc's `mallopt` (declared in <malloc.h>, which the Glibc module does not export).
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
