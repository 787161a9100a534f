import CMPI
import Foundation
import PolybitTensor

/// `Communicator` over an MPI communicator (Open MPI's C API): the world, or a group split from it.
///
/// Made only when the process was started by an MPI launcher (`mpirun`, `srun`), so the same
/// binary run on its own never starts MPI. Only the thread that made it calls MPI
/// (`MPI_THREAD_FUNNELED`); Polybit's parallel loops run between the calls. Sums are
/// `MPI_Allreduce` with `MPI_SUM`: Open MPI chooses the algorithm from the rank count and the
/// message length alone, and every algorithm gives all ranks the same bits, so a run repeats
/// exactly at a fixed rank and thread count.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    public let rank: Int
    public let size: Int
    private let comm: MPI_Comm

    /// Environment variables an MPI launcher sets: Open MPI's `mpirun`, PMIx and PMI (Slurm's `srun`).
    static let launcherVariables = ["OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"]

    /// Whether this process was started by an MPI launcher.
    public static var isLaunched: Bool {
        let environment = ProcessInfo.processInfo.environment
        return launcherVariables.contains { environment[$0] != nil }
    }

    /// Starts MPI and returns the world communicator when the process was started by an MPI
    /// launcher, nil otherwise. MPI is finalized when the process exits normally.
    public static func startIfLaunched() -> MPICommunicator? {
        guard isLaunched else { return nil }
        var provided: Int32 = 0
        guard MPI_Init_thread(nil, nil, pmpi_thread_funneled(), &provided) == pmpi_success() else {
            FileHandle.standardError.write(Data("polybit: error: MPI_Init_thread failed\n".utf8))
            exit(1)
        }
        atexit {
            var finalized: Int32 = 0
            MPI_Finalized(&finalized)
            if finalized == 0 { MPI_Finalize() }
        }
        return MPICommunicator(pmpi_comm_world())
    }

    private init(_ comm: MPI_Comm) {
        var rank: Int32 = 0, size: Int32 = 0
        MPI_Comm_rank(comm, &rank)
        MPI_Comm_size(comm, &size)
        self.comm = comm; self.rank = Int(rank); self.size = Int(size)
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Float>) {
        reduce(values, type: pmpi_float(), op: pmpi_sum())
    }

    public func sum(_ values: UnsafeMutableBufferPointer<Double>) {
        reduce(values, type: pmpi_double(), op: pmpi_sum())
    }

    public func maximum(_ values: UnsafeMutableBufferPointer<Double>) {
        reduce(values, type: pmpi_double(), op: pmpi_max())
    }

    public func barrier() { check(MPI_Barrier(comm), "MPI_Barrier") }

    /// Ends the whole job (every rank of the world, not only this group's).
    public func abort(code: Int32) -> Never {
        MPI_Abort(pmpi_comm_world(), code)
        exit(code)
    }

    public func split(group: Int) -> any Communicator {
        var part: MPI_Comm?
        check(MPI_Comm_split(comm, Int32(group), Int32(rank), &part), "MPI_Comm_split")
        return MPICommunicator(part!)
    }

    /// In-place `MPI_Allreduce` of `values`, in pieces of at most `Int32.max` elements (MPI counts
    /// are `int`).
    private func reduce<T>(_ values: UnsafeMutableBufferPointer<T>, type: MPI_Datatype, op: MPI_Op) {
        guard let base = values.baseAddress, size > 1 else { return }
        var start = 0
        while start < values.count {
            let n = min(values.count - start, Int(Int32.max))
            check(
                MPI_Allreduce(pmpi_in_place(), base + start, Int32(n), type, op, comm),
                "MPI_Allreduce")
            start += n
        }
    }

    /// Ends the job when an MPI call fails (Open MPI's default handler aborts first; this covers
    /// handlers that return).
    private func check(_ status: Int32, _ call: String) {
        guard status != pmpi_success() else { return }
        FileHandle.standardError.write(Data("polybit: error: rank \(rank): \(call) failed (\(status))\n".utf8))
        abort(code: 1)
    }
}
