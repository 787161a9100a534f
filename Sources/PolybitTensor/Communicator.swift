#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The processes of a data-parallel job and the collective operations they share.
///
/// Every rank must call each collective in the same order with the same element counts (MPI's
/// rule); a rank that stops calling leaves the others waiting, so a failing rank ends the job with
/// `abort(code:)`. `SingleProcess` is the default (one rank, every collective a no-op); the MPI
/// implementation lives in `PolybitMPI`, so nothing else depends on MPI being started.
public protocol Communicator: AnyObject, Sendable {
    /// This process's index, in `0..<size`.
    var rank: Int { get }
    /// Number of processes in the job (≥ 1).
    var size: Int { get }
    /// Replaces `values` on every rank by their element-wise sum over the ranks. The order of the
    /// additions depends only on the rank count and the length, never on timing, and every rank
    /// receives the same bits.
    func sum(_ values: UnsafeMutableBufferPointer<Float>)
    /// `sum` over `Double` values.
    func sum(_ values: UnsafeMutableBufferPointer<Double>)
    /// Replaces `values` on every rank by their element-wise maximum over the ranks.
    func maximum(_ values: UnsafeMutableBufferPointer<Double>)
    /// Returns once every rank has called it.
    func barrier()
    /// Ends every rank of the job with exit status `code`; call after printing this rank's error.
    func abort(code: Int32) -> Never
    /// The ranks whose `group` equals this rank's, as a communicator of their own (ranked in this
    /// one's order). Every rank must call it (a collective).
    func split(group: Int) -> any Communicator
}

extension Communicator {
    /// True on rank 0, the rank that prints progress and writes files.
    public var isRoot: Bool { rank == 0 }

    /// `sum` over an array.
    public func sum(_ values: inout [Float]) { values.withUnsafeMutableBufferPointer { sum($0) } }
    /// `sum` over an array.
    public func sum(_ values: inout [Double]) { values.withUnsafeMutableBufferPointer { sum($0) } }
    /// `maximum` over an array.
    public func maximum(_ values: inout [Double]) { values.withUnsafeMutableBufferPointer { maximum($0) } }

    /// The contiguous part of `0..<count` this rank owns: `r·count/n ..< (r+1)·count/n` for rank r
    /// of n. The parts cover `0..<count` in rank order and differ in length by at most 1.
    public func share(of count: Int) -> Range<Int> {
        (count * rank / size)..<(count * (rank + 1) / size)
    }

    /// Whether `value` is the same on every rank (exactly, as bits).
    public func agree(on value: Double) -> Bool {
        var extremes = [value, -value]
        maximum(&extremes)
        return extremes[0] == -extremes[1]
    }
}

/// A job of one process: rank 0 of 1, every collective a no-op.
public final class SingleProcess: Communicator {
    public init() {}
    public var rank: Int { 0 }
    public var size: Int { 1 }
    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {}
    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {}
    public func maximum(_ values: UnsafeMutableBufferPointer<Double>) {}
    public func barrier() {}
    public func abort(code: Int32) -> Never { exit(code) }
    public func split(group: Int) -> any Communicator { self }
}
