import ArgumentParser

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a Markdown report with plots for a run. (not built yet)")

    func run() throws { throw NotBuiltYet(command: "report") }
}
