import Foundation
import PolybitMPI
import PolybitTensor

/// The job this process belongs to: MPI's world when an MPI launcher started it, else one process.
/// `train`, `experiment cost` and `bench train` run data parallel or share their work under
/// `mpirun`; every other command refuses to start under a launcher (`Polybit.main`).
enum Job {
    /// The job's communicator once a command started it.
    nonisolated(unsafe) private(set) static var started: (any Communicator)?

    /// Starts the job (MPI when launched by `mpirun` or `srun`).
    static func start() -> any Communicator {
        if let started { return started }
        let communicator: any Communicator = MPICommunicator.startIfLaunched() ?? SingleProcess()
        started = communicator
        return communicator
    }

    /// Whether an MPI launcher started this process.
    static var isLaunched: Bool { MPICommunicator.isLaunched }

    /// Prints `message` to stderr (prefixed with the rank in a job of several) and ends the process
    /// with `code`: the whole job when it has several ranks, so none waits for a collective forever.
    static func fail(_ message: String, code: Int32) -> Never {
        let ranked = started.map { $0.size > 1 ? "polybit: rank \($0.rank): " : "polybit: " } ?? "polybit: "
        FileHandle.standardError.write(Data((ranked + message + "\n").utf8))
        if let started, started.size > 1 { started.abort(code: code) }
        Foundation.exit(code)
    }
}

/// A command that runs under an MPI launcher (data parallel, or sharing its work over the ranks).
protocol DistributedCommand {}
