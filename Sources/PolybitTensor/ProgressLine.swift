#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Progress of long work on standard error: a line rewritten in place on a terminal, or plain
/// lines at most every `interval` seconds otherwise (logs, CI). Standard output stays clean for
/// `--json`.
public final class ProgressLine: @unchecked Sendable {
    private let isTerminal = isatty(2) == 1
    private let interval: Double
    private var lastPrint = -Double.infinity
    private var lastWidth = 0
    /// When false, nothing is printed.
    public var enabled: Bool

    /// A progress printer; plain-line mode prints at most every `interval` seconds.
    public init(enabled: Bool = true, interval: Double = 5) {
        self.enabled = enabled
        self.interval = isTerminal ? 0.2 : interval
    }

    /// Shows `text` as the current state (throttled unless `force`).
    public func update(_ text: String, force: Bool = false) {
        guard enabled else { return }
        let now = Clock.seconds()
        guard force || now - lastPrint >= interval else { return }
        lastPrint = now
        if isTerminal {
            let pad = max(0, lastWidth - text.count)
            Console.writeError("\r" + text + String(repeating: " ", count: pad))
            lastWidth = text.count
        } else {
            Console.writeError(text + "\n")
        }
    }

    /// Ends the in-place line with `text` on a line of its own.
    public func finish(_ text: String) {
        guard enabled else { return }
        if isTerminal && lastWidth > 0 {
            Console.writeError("\r" + text + String(repeating: " ", count: max(0, lastWidth - text.count)) + "\n")
        } else {
            Console.writeError(text + "\n")
        }
        lastWidth = 0
        lastPrint = -Double.infinity
    }

    /// Formats seconds as `1h02m`, `3m05s` or `12.3s`.
    public static func duration(_ s: Double) -> String {
        guard s.isFinite && s >= 0 else { return "?" }
        if s >= 3600 { return "\(Int(s) / 3600)h" + pad2((Int(s) % 3600) / 60) + "m" }
        if s >= 60 { return "\(Int(s) / 60)m" + pad2(Int(s) % 60) + "s" }
        return String(Int(s * 10) / 10) + "." + String(Int(s * 10) % 10) + "s"
    }

    private static func pad2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
}

/// Unbuffered writes to the standard streams.
public enum Console {
    /// Writes `text` to standard error as is.
    public static func writeError(_ text: String) {
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBytes { _ = write(2, $0.baseAddress, $0.count) }
    }
}

/// Monotonic wall-clock time.
public enum Clock {
    /// Seconds since an arbitrary fixed point (monotonic).
    public static func seconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
