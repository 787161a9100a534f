import Foundation
import PolybitNN
import PolybitQuant
import PolybitTensor
import Testing

@Suite struct PrecisionPolicyTests {
    static func parse(_ json: String) throws -> PrecisionPolicy {
        try PrecisionPolicy.parse(Data(json.utf8), file: "p.json")
    }

    /// The message of the InputError `body` throws ("" when it throws none).
    static func message(_ body: () throws -> Void) -> String {
        do { try body() } catch let e as InputError { return e.message } catch { return "not an InputError: \(error)" }
        return ""
    }

    @Test func defaultAloneIsAPolicy() throws {
        let p = try Self.parse(#"{"default": {"weight_bits": 4, "activation_bits": 3}}"#)
        #expect(p.layers.isEmpty && p.precision(of: "any") == Precision(weightBits: 4, activationBits: 3))
        let decoded = try JSONDecoder().decode(
            PrecisionPolicy.self, from: Data(#"{"default": {"weight_bits": 4}}"#.utf8))
        #expect(decoded == PrecisionPolicy(layers: [:], default: .init(weight_bits: 4, activation_bits: nil)))
    }

    /// The widths a network needs steps for include the default's (the export segfault: a table
    /// built from `layers` only left the default's widths without step sizes).
    @Test func bitWidthsIncludeTheDefault() throws {
        let p = try Self.parse(
            #"{"layers": {"a": {"weight_bits": 3, "activation_bits": null}}, "default": {"weight_bits": 12, "activation_bits": 5}}"#
        )
        #expect(p.bitWidths == [3, 5, 12])
        #expect(p.layers["a"] == .init(weight_bits: 3, activation_bits: nil))
        #expect(
            try Self.parse(#"{"layers": {}, "default": {"weight_bits": 0, "activation_bits": 4}}"#).bitWidths == [0, 4])
    }

    /// What `pick --out-policy` writes (JSONEncoder, sorted keys, absent fields omitted) reads back equal.
    @Test func encodedPolicyRoundTrips() throws {
        let p = PrecisionPolicy(layers: [
            "stem.conv": .init(weight_bits: 8, activation_bits: nil),
            "stage1.block0.conv1": .init(weight_bits: 2, activation_bits: 4),
        ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        #expect(try PrecisionPolicy.parse(try encoder.encode(p), file: "p.json") == p)
        var picked = p
        picked.provenance = ["validation_accuracy": "0.875", "profiles": "BitFusion"]
        let text = String(decoding: try encoder.encode(picked), as: UTF8.self)
        #expect(text.contains(#""pick" : {"#))
        #expect(try PrecisionPolicy.parse(Data(text.utf8), file: "p.json") == picked)
    }

    /// The informational `pick` object: text and numbers kept as text; it changes no precision.
    @Test func pickProvenanceIsReadAsText() throws {
        let p = try Self.parse(
            #"{"default": {"weight_bits": 4}, "pick": {"validation_accuracy": 0.5, "profiles": "A, B"}}"#)
        #expect(p.provenance == ["validation_accuracy": "0.5", "profiles": "A, B"])
        #expect(p.precision(of: "x") == Precision(weightBits: 4, activationBits: nil))
        #expect(
            Self.message { _ = try Self.parse(#"{"default": {}, "pick": [1]}"#) }.hasPrefix(
                "p.json: pick: expected an object"))
        #expect(
            Self.message { _ = try Self.parse(#"{"default": {}, "pick": {"a": true}}"#) }
                == "p.json: pick: expected text (up to 1000 characters) or numbers, got true")
        #expect(
            Self.message { _ = try Self.parse(#"{"pick": {}}"#) }.hasPrefix(
                "p.json: neither \"layers\" nor \"default\""))
    }

    @Test func badFilesNameTheFieldInOneLine() {
        let cases: [(String, String)] = [
            (#"{"layers": {"#, "p.json: not valid JSON ("),
            (#"{"default": {"weight_bits": 4 "activation_bits": 4}}"#, "p.json: not valid JSON ("),
            ("[1, 2]", "p.json: expected {\"layers\""),
            ("{}", "p.json: neither \"layers\" nor \"default\" given"),
            (#"{"layer": {}}"#, "p.json: the top level: unknown field \"layer\""),
            (#"{"layers": []}"#, "p.json: layers: expected an object {name: {...}}, got an array"),
            (
                #"{"layers": {"stem.conv": 4}}"#,
                "p.json: layers[\"stem.conv\"]: expected {\"weight_bits\": b, \"activation_bits\": b}, got 4"
            ),
            (
                #"{"layers": {"stem.conv": {"weight_bit": 4}}}"#,
                "p.json: layers[\"stem.conv\"]: unknown field \"weight_bit\""
            ),
            (
                #"{"default": {"weight_bits": 4.5}}"#,
                "p.json: default.weight_bits: expected a whole number of bits (or null for float), got 4.5"
            ),
            (
                #"{"default": {"weight_bits": "4"}}"#,
                "p.json: default.weight_bits: expected a whole number of bits (or null for float), got \"4\""
            ),
            (
                #"{"default": {"activation_bits": true}}"#,
                "p.json: default.activation_bits: expected a whole number of bits (or null for float), got true"
            ),
            (
                #"{"default": {"activation_bits": 1e30}}"#,
                "p.json: default.activation_bits: expected a whole number of bits"
            ),
            (String(repeating: "[", count: 100_000), "p.json: not valid JSON ("),
        ]
        for (json, expected) in cases {
            let m = Self.message { _ = try Self.parse(json) }
            #expect(m.hasPrefix(expected) && !m.contains("\n"), "\(json.prefix(60)): \(m)")
        }
        let huge = Data(repeating: 0x20, count: PrecisionPolicy.maximumFileBytes + 1)
        #expect(
            Self.message { _ = try PrecisionPolicy.parse(huge, file: "p.json") }.contains(
                "a precision policy is at most"))
        #expect(
            Self.message { _ = try PrecisionPolicy.read(from: "/nonexistent/p.json") }
                == "/nonexistent/p.json: cannot read the policy file")
    }

    @Test func validateChecksNamesWidthsAndCoverage() throws {
        let net = ResNet(depth: 8, inputChannels: 1, classes: 3, seed: 1)
        let layers = try QuantizedNetwork(model: net, bitWidths: [4], options: QuantizerOptions()).layers
        func check(_ json: String) throws -> String {
            let p = try Self.parse(json)
            return Self.message { try p.validate(layers: layers, supportedBits: 2...16, file: "p.json") }
        }
        let full = #""default": {"weight_bits": 4, "activation_bits": 4}"#
        #expect(try check("{\(full)}") == "")
        #expect(
            try check(#"{"layers": {"stem.conv": {"weight_bits": 8}}, "# + full + "}") == "",
            "the stem has no input quantizer")
        let cases: [(String, String)] = [
            (
                #"{"layers": {"nope.conv": {"weight_bits": 4, "activation_bits": 4}}, "# + full + "}",
                "p.json: layers[\"nope.conv\"]: no such layer in this model (its \(layers.count) layers: stem.conv, stage1.block0.conv1,"
            ),
            (
                #"{"layers": {}, "default": {"weight_bits": 0, "activation_bits": 4}}"#,
                "p.json: default.weight_bits: 0 bits is outside 2...16"
            ),
            (
                #"{"layers": {"stage1.block0.conv2": {"weight_bits": 4, "activation_bits": 40}}, "# + full + "}",
                "p.json: layers[\"stage1.block0.conv2\"].activation_bits: 40 bits is outside 2...16"
            ),
            (
                #"{"layers": {"stage1.block0.conv1": {"weight_bits": 4}}, "# + full + "}",
                "p.json: layers[\"stage1.block0.conv1\"].activation_bits: missing; every layer needs weight and input bits"
            ),
            (#"{"default": {"activation_bits": 4}}"#, "p.json: default.weight_bits: missing;"),
            (
                #"{"layers": {"stem.conv": {"weight_bits": 8}}}"#,
                "p.json: layers: no entry for stage1.block0.conv1 and no \"default\";"
            ),
        ]
        for (json, expected) in cases {
            let m = try check(json)
            #expect(m.hasPrefix(expected) && !m.contains("\n"), "\(json): \(m)")
        }
        let longName = try check(#"{"layers": {"a\nb"# + String(repeating: "x", count: 500) + #"": {}}}"#)
        #expect(
            longName.hasPrefix("p.json: layers[\"a\\nb") && longName.count < 400 && !longName.contains("\n"),
            "\(longName)")
    }
}
