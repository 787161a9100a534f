import Foundation
import PolybitTensor
import Testing

/// The one JSON encoder path: full-precision numbers, sorted keys, JSONValue through it.
@Suite struct JSONTextTests {
    private struct Sample: Encodable {
        var zeta = 1
        var ratio = 0.123456789012345
        var step: Float = 0.1
        var path = "runs/a.h5"
    }

    @Test func numbersRoundTripAtFullPrecision() throws {
        let value = 0.123456789012345  // %.6g would write 0.123457
        #expect(String(format: "%.6g", value) == "0.123457")
        let text = JSONValue.object([("v", .number(value)), ("tiny", .number(1.2345678e-9))]).text
        let back = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Double])
        #expect(back["v"] == value && back["tiny"] == 1.2345678e-9)
    }

    @Test func encodablesAreSortedWithFloatsWithoutDoubleNoise() throws {
        let text = try jsonText(Sample())
        #expect(text == #"{"path":"runs/a.h5","ratio":0.123456789012345,"step":0.1,"zeta":1}"#)
    }

    @Test func jsonValueKeepsItsShapes() {
        let v = JSONValue.object([
            ("b", .array([.integer(3), .number(2), .null, .bool(true)])),
            ("a", .string("x\"y\n")), ("c", .number(.nan)),
        ])
        #expect(v.text == #"{"a":"x\"y\n","b":[3,2,null,true],"c":null}"#)
    }
}
