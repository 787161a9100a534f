import Foundation
import PolybitHardware
import Testing

/// Profiles that would exhaust the stack or memory are refused with one line, before any field.
@Suite struct YAMLLimitsTests {
    func message(_ yaml: String) -> String {
        do {
            _ = try ProfileLoader.parse(yaml: yaml, file: "hwprofiles/x.yaml")
            return "loaded"
        } catch {
            return "\(error)"
        }
    }

    @Test func anAliasBombIsRefused() {
        // Nine levels of ten aliases each: 10^9 values from nine lines.
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1...8 {
            yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        #expect(message(yaml).contains("expands to more than 100000 values"), "\(message(yaml))")
    }

    @Test func deepFlowNestingIsRefusedBeforeComposing() {
        let yaml = "name: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(message(yaml).contains("line 1: flow nesting ([ and {) deeper than 64"), "\(message(yaml))")
    }

    @Test func deepIndentationIsRefused() {
        let yaml = (0..<100).map { String(repeating: " ", count: $0) + "k\($0):" }.joined(separator: "\n")
        #expect(message(yaml).contains("line 66: indentation deeper than 64"), "\(message(yaml))")
    }

    @Test func oversizedTextIsRefused() {
        let yaml = "notes: " + String(repeating: "x", count: 1 << 20)
        #expect(message(yaml).contains("profiles are at most 1048576"), "\(message(yaml))")
    }

    @Test func bracketsInQuotedStringsAndCommentsDoNotCount() {
        let deep = String(repeating: "[", count: 80)
        for yaml in ["name: '\(deep)'\n", "name: \"\(deep)\"\n", "# \(deep)\nname: x\n"] {
            // Past the limits, the loader goes on to the fields (and wants the rest of a profile).
            #expect(message(yaml).contains("source"), "\(message(yaml))")
        }
    }
}
