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
            try command.run()
        } catch let error as RecipeError {
            FileHandle.standardError.write(Data("polybit: error: \(error.commandLineDescription)\n".utf8))
            Foundation.exit(2)
        } catch let error as BadInput {
            FileHandle.standardError.write(Data("polybit: error: \(error.description)\n".utf8))
            Foundation.exit(2)
        } catch {
            let code = exitCode(for: error)
            if code == .success { exit(withError: error) }
            if code == .validationFailure {
                FileHandle.standardError.write(Data("polybit: error: \(message(for: error))\n".utf8))
                Foundation.exit(2)
            }
            if error is ExitCode { exit(withError: error) }
            FileHandle.standardError.write(Data("polybit: internal error: \(error)\n".utf8))
            Foundation.exit(1)
        }
    }
}
