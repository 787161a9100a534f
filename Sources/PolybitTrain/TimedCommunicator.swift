import PolybitTensor

/// A `Communicator` that forwards to another and counts the collectives and the wall-clock
/// seconds spent in them (waiting for slower ranks included): what `polybit bench train` reports
/// under MPI.
public final class TimedCommunicator: Communicator, @unchecked Sendable {
    public let base: any Communicator
    /// Collectives called so far, and the seconds they took.
    public private(set) var calls = 0
    public private(set) var seconds = 0.0

    public init(_ base: any Communicator) { self.base = base }

    public var rank: Int { base.rank }
    public var size: Int { base.size }
    public func sum(_ values: UnsafeMutableBufferPointer<Float>) { timed { base.sum(values) } }
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) { timed { base.sum(values) } }
    public func maximum(_ values: UnsafeMutableBufferPointer<Double>) { timed { base.maximum(values) } }
    public func barrier() { timed { base.barrier() } }
    public func abort(code: Int32) -> Never { base.abort(code: code) }
    public func split(group: Int) -> any Communicator { TimedCommunicator(base.split(group: group)) }

    /// Sets the counts to zero (e.g. after warm-up steps).
    public func reset() { calls = 0; seconds = 0 }

    private func timed(_ body: () -> Void) {
        let start = Clock.seconds()
        body()
        seconds += Clock.seconds() - start
        calls += 1
    }
}
