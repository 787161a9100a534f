import Dispatch

/// Parallel loops over the machine's cores. Pick one level of parallelism per loop: do not call
/// a multi-threaded sgemm from inside `parallelFor`.
public enum Parallel {
    /// Worker threads used by `parallelFor` (default: active processors).
    nonisolated(unsafe) public static var threads: Int = System.activeProcessorCount

    /// Runs `body(i)` for `i` in `0..<count`, spread over `threads` workers in contiguous chunks.
    /// `body` must write only to memory no other index touches.
    @inlinable
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        forEachChunk(count) { range in for i in range { body(i) } }
    }

    /// Runs `body` on disjoint contiguous sub-ranges covering `0..<count`, one per worker.
    @inlinable
    public static func forEachChunk(
        _ count: Int, minimumChunk: Int = 1,
        _ body: (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let workers = max(1, min(threads, count / max(1, minimumChunk)))
        if workers == 1 { body(0..<count); return }
        withoutActuallyEscaping(body) { body in
            // Each worker gets a disjoint range; callers promise their writes do not overlap.
            let shared = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: workers) { w in
                let lo = count * w / workers, hi = count * (w + 1) / workers
                if lo < hi { shared.value(lo..<hi) }
            }
        }
    }
}

/// Carries a value the caller guarantees is used race-free across threads (disjoint writes).
public struct UncheckedSendable<Value>: @unchecked Sendable {
    public let value: Value
    @inlinable public init(_ value: Value) { self.value = value }
}

/// Facts about the machine.
public enum System {
    /// Processors available to this process.
    public static var activeProcessorCount: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One place to set the compute resources of a run.
public enum Compute {
    /// Uses `threads` workers for Polybit's parallel loops and keeps OpenBLAS single-threaded
    /// (one level of parallelism: GEMMs are issued per image from the workers), and tunes the
    /// allocator for large tensors.
    public static func configure(threads: Int) {
        Parallel.threads = max(1, threads)
        BLAS.threads = 1
        Memory.tuneAllocator()
    }
}
