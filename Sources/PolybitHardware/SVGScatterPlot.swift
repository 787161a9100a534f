import Foundation

/// A small, dependency-free SVG line-and-point chart: one series per name, points labelled.
public struct SVGScatterPlot {
    public struct Point {
        public var x: Double, y: Double, label: String
        public init(x: Double, y: Double, label: String) { self.x = x; self.y = y; self.label = label }
    }
    public var title: String, xLabel: String, yLabel: String
    /// Series in drawing order: name and points (joined in the order given).
    public var series: [(name: String, points: [Point])]
    /// Plot the x axis on a log scale (costs spanning decades).
    public var logX = false

    public init(
        title: String, xLabel: String, yLabel: String, series: [(name: String, points: [Point])], logX: Bool = false
    ) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series; self.logX = logX
    }

    static let colors = [
        "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf", "#7f7f7f",
    ]

    /// The chart as an SVG document (640×420 px).
    public var svg: String {
        let w = 640.0, h = 420.0, left = 70.0, right = 170.0, top = 40.0, bottom = 55.0
        let all = series.flatMap(\.points)
        func tx(_ v: Double) -> Double { logX ? log10(max(v, 1e-12)) : v }
        let xs = all.map { tx($0.x) }, ys = all.map(\.y)
        var (x0, x1) = (xs.min() ?? 0, xs.max() ?? 1), (y0, y1) = (ys.min() ?? 0, ys.max() ?? 1)
        if x1 - x0 < 1e-12 { x0 -= 0.5; x1 += 0.5 }
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let padX = (x1 - x0) * 0.06, padY = (y1 - y0) * 0.08
        x0 -= padX; x1 += padX; y0 -= padY; y1 += padY
        func px(_ v: Double) -> Double { left + (tx(v) - x0) / (x1 - x0) * (w - left - right) }
        func py(_ v: Double) -> Double { h - bottom - (v - y0) / (y1 - y0) * (h - top - bottom) }
        func f(_ v: Double) -> String { String(format: "%.1f", v) }
        func esc(_ s: String) -> String {
            s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        }
        var out =
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"11\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out +=
            "<text x=\"\(f(w / 2 - right / 2 + left / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">\(esc(title))</text>\n"
        out +=
            "<rect x=\"\(f(left))\" y=\"\(f(top))\" width=\"\(f(w - left - right))\" height=\"\(f(h - top - bottom))\" fill=\"none\" stroke=\"#444\"/>\n"
        for i in 0...4 {
            let yv = y0 + (y1 - y0) * Double(i) / 4, xv = x0 + (x1 - x0) * Double(i) / 4
            let xLabelValue = logX ? pow(10, xv) : xv
            out +=
                "<text x=\"\(f(left - 6))\" y=\"\(f(py(yv) + 4))\" text-anchor=\"end\">\(String(format: "%.3g", yv))</text>\n"
            out +=
                "<text x=\"\(f(left + (w - left - right) * Double(i) / 4))\" y=\"\(f(h - bottom + 16))\" text-anchor=\"middle\">\(String(format: "%.3g", xLabelValue))</text>\n"
        }
        out +=
            "<text x=\"\(f(left + (w - left - right) / 2))\" y=\"\(f(h - 15))\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
        out +=
            "<text transform=\"translate(16,\(f(top + (h - top - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(esc(yLabel))</text>\n"
        for (i, s) in series.enumerated() {
            let color = Self.colors[i % Self.colors.count]
            let path = s.points.map { "\(f(px($0.x))),\(f(py($0.y)))" }.joined(separator: " ")
            out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.5\"/>\n"
            for p in s.points {
                out += "<circle cx=\"\(f(px(p.x)))\" cy=\"\(f(py(p.y)))\" r=\"3.5\" fill=\"\(color)\"/>\n"
                out +=
                    "<text x=\"\(f(px(p.x) + 5))\" y=\"\(f(py(p.y) - 5))\" fill=\"\(color)\">\(esc(p.label))</text>\n"
            }
            out +=
                "<rect x=\"\(f(w - right + 12))\" y=\"\(f(top + 18 * Double(i)))\" width=\"10\" height=\"10\" fill=\"\(color)\"/>\n"
            out += "<text x=\"\(f(w - right + 27))\" y=\"\(f(top + 18 * Double(i) + 9))\">\(esc(s.name))</text>\n"
        }
        return out + "</svg>\n"
    }
}
