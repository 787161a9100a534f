import PolybitSearch
import PolybitTensor
import Testing

@Suite struct BudgetTests {
    @Test func budgetsParse() throws {
        let b = try Budget(parsing: "energy_uJ=50")
        #expect(b.kind == .energy_uJ && b.limit == 50)
        let spaced = try Budget(parsing: "latency_ms = 0.25")
        #expect(spaced.kind == .latency_ms && spaced.limit == 0.25)
        for kind in BudgetKind.allCases {
            #expect(try Budget(parsing: "\(kind.rawValue)=1e3").limit == 1000)
        }
    }

    @Test func badBudgetsNameTheFlag() {
        let cases = [
            "energy=5": "unknown kind 'energy'", "energy_uJ": "expected KIND=VALUE",
            "energy_uJ=-1": "'-1' is not a positive number", "bitops_G=abc": "'abc'",
            "memory_KiB=0": "'0'", "latency_ms=inf": "'inf'", "=3": "unknown kind ''",
            "energy_uJ=nan": "'nan'", "energy_uJ=0x10": "'0x10'", "energy_uJ=1e999": "'1e999'",
            "energy_uJ=5=6": "'5=6'",
        ]
        for (text, fragment) in cases {
            do {
                _ = try Budget(parsing: text)
                Issue.record("\(text) parsed")
            } catch let error as InputError {
                #expect(error.description.hasPrefix("--budget \(text):"), "\(error)")
                #expect(error.description.contains(fragment), "\(error)")
            } catch {
                Issue.record("\(text): \(error)")
            }
        }
    }

    /// Hostile text (control characters, megabytes) gives a one-line error of bounded length.
    @Test func hostileBudgetTextStaysOneShortLine() {
        for text in [
            "energy_uJ=1\n2", "energ\u{1B}[2Jy=1", String(repeating: "x", count: 1_000_000) + "=1",
            "energy_uJ=" + String(repeating: "9", count: 1_000_000),
        ] {
            do {
                _ = try Budget(parsing: text)
                Issue.record("\(text.prefix(20)) parsed")
            } catch {
                let message = "\(error)"
                #expect(
                    message.hasPrefix("--budget ") && !message.contains("\n") && !message.contains("\u{1B}")
                        && message.count < 400, "\(message.prefix(200))")
            }
        }
    }

    /// Use is the worst cost/limit over budgets and profiles; violations name budget and profile.
    @Test func useFitAndViolationsOverSeveralProfiles() throws {
        let budgets = Budgets([Budget(kind: .energy_uJ, limit: 10), Budget(kind: .latency_ms, limit: 2)])
        let figures = CostFigures(perProfile: [
            [.energy_uJ: 8, .latency_ms: 1],
            [.energy_uJ: 12, .latency_ms: 1.5],
        ])
        #expect(abs(budgets.use(figures) - 1.2) < 1e-12)
        #expect(!budgets.fit(figures))
        #expect(budgets.violations(figures, profileNames: ["A", "B"]) == ["energy_uJ=10 (B: 12.00)"])
        let within = CostFigures(perProfile: [[.energy_uJ: 10, .latency_ms: 0.5]])
        #expect(budgets.fit(within) && budgets.use(within) == 1)
        #expect(budgets.violations(within, profileNames: ["A"]).isEmpty)
    }
}
