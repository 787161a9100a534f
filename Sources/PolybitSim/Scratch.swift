/// Reusable per-worker buffers, grown on demand, so hot loops neither allocate nor zero-fill.
final class Scratch {
    private var buffers: [UnsafeMutableRawPointer] = []
    private var sizes: [Int] = []

    deinit { for b in buffers { b.deallocate() } }

    /// Slot `slot` as at least `count` elements of `T` (contents undefined).
    func buffer<T>(_ slot: Int, _ count: Int, as: T.Type) -> UnsafeMutablePointer<T> {
        while buffers.count <= slot {
            buffers.append(UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)); sizes.append(64)
        }
        let bytes = max(64, count * MemoryLayout<T>.stride)
        if sizes[slot] < bytes {
            buffers[slot].deallocate()
            buffers[slot] = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            sizes[slot] = bytes
        }
        return buffers[slot].bindMemory(to: T.self, capacity: count)
    }
}
