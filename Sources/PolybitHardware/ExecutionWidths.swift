import PolybitQuant

/// The operand widths one MAC layer asked for and the widths the array ran it at
/// (``ExecutionPrecision``'s rule: the next supported width up, per operand).
public struct ExecutionWidth: Sendable, Hashable, Encodable {
    public var layer: String
    public var requested: Precision
    public var run: Precision

    private enum Key: String, CodingKey { case layer, requested, run }

    /// JSON: `{"layer": "conv1", "requested": "2x2", "run": "2x2"}` (weight×activation bits).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(layer, forKey: .layer)
        try c.encode(requested.operandDescription, forKey: .requested)
        try c.encode(run.operandDescription, forKey: .run)
    }
}

extension NetworkCost {
    /// The widths each MAC layer (conv, linear) ran at on the profile, in execution order.
    public var executionWidths: [ExecutionWidth] {
        layers.compactMap { l in l.run.map { ExecutionWidth(layer: l.name, requested: l.requested, run: $0) } }
    }

    /// The execution widths grouped in order of first use, e.g.
    /// `8x8 runs as 16x16 on 18 of 20 MAC layers, 8x16 runs as 16x16 on 2 of 20`; a width the
    /// array runs unchanged reads `2x2 on 20 of 20 MAC layers`.
    public var executionWidthSummary: String {
        let widths = executionWidths
        var order: [[Precision]] = []  // [requested, run], in order of first use
        var count: [[Precision]: Int] = [:]
        for w in widths {
            let key = [w.requested, w.run]
            if count[key] == nil { order.append(key) }
            count[key, default: 0] += 1
        }
        guard !order.isEmpty else { return "no MAC layers" }
        return order.enumerated().map { i, key in
            let run =
                key[0] == key[1]
                ? key[1].operandDescription
                : "\(key[0].operandDescription) runs as \(key[1].operandDescription)"
            return "\(run) on \(count[key]!) of \(widths.count)" + (i == 0 ? " MAC layers" : "")
        }.joined(separator: ", ")
    }
}
