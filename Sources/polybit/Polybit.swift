import ArgumentParser
import Foundation
import PolybitTensor
import PolybitTrain

/// The `polybit` command: train one network for many bit-widths, simulate it in integer
/// arithmetic, and cost each precision on an accelerator.
@main
struct Polybit: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "polybit",
        abstract: "Train one network for many bit-widths; simulate and cost each precision on an accelerator.",
        discussion: """
            Exit codes: 0 success, 2 bad input (a file, flag or profile field; the message names it), \
            1 internal failure. With --json a command prints exactly one JSON object on stdout; \
            progress and logs go to stderr.
            """,
        version: version,
        subcommands: [
            TrainCommand.self, EvalCommand.self, ExportCommand.self, SimulateCommand.self,
            CostCommand.self, TraceCommand.self, PickCommand.self, ReportCommand.self,
            ExperimentCommand.self, BenchCommand.self, ConvertCommand.self,
        ])

    /// Runs the command line, mapping errors to the documented exit codes.
    static func main() {
        do {
            var command = try parseAsRoot()
            if Job.isLaunched && !(command is DistributedCommand) {
                throw InputError(
                    "this command runs as one process: start it without mpirun or srun (train, experiment cost and bench train run under MPI)"
                )
            }
            try command.run()
        } catch let error as RecipeError {
            Job.fail("error: \(error.commandLineDescription)", code: 2)
        } catch let error as BadInput {
            Job.fail("error: \(error.description)", code: 2)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            if code == .validationFailure { Job.fail("error: \(message(for: error))", code: 2) }
            if error is ExitCode { exit(withError: error) }
            Job.fail("internal error: \(error)", code: 1)
        }
    }
}
