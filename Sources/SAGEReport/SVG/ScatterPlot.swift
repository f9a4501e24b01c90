import Foundation
import SAGEEngine
import SAGEPipeline

/// One model's values against another's per item (e.g. per-region r, p-SAGE-net vs PrediXcan), on equal axes
/// with the identity line; n, Pearson and Spearman in the subtitle (as SAGE-net's scatter_compare), the points
/// coloured by their density when there are many. The SVG carries its numbers (data-n, data-pearson,
/// data-spearman) and each point its id and values.
public struct ScatterPlot {
    public var title: String
    public var xLabel: String, yLabel: String
    public var points: [(id: String, x: Double, y: Double)]
    /// Above this many points, each is coloured by its density (viridis) instead of one colour.
    public var densityThreshold = 300
    public var colour = Palette.category(0)
    /// Equal axes with the identity line (two models' values), or each axis its own extent (two quantities).
    public var identity = true
    public var width = 380.0, height = 380.0

    public init(title: String, xLabel: String, yLabel: String, points: [(id: String, x: Double, y: Double)]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.points = points
    }

    /// Both coordinates finite.
    public var finitePoints: [(id: String, x: Double, y: Double)] { points.filter { $0.x.isFinite && $0.y.isFinite } }
    public var statistics: (n: Int, pearson: Double, spearman: Double) {
        let p = finitePoints
        return (p.count, pearson(p.map(\.x), p.map(\.y)), spearman(p.map(\.x), p.map(\.y)))
    }

    public func svg() -> String {
        let p = finitePoints, stats = statistics
        let subtitle = "n = \(stats.n), Pearson \(formatValue(stats.pearson)), Spearman \(formatValue(stats.spearman))"
        let dense = p.count > densityThreshold
        let layout = PlotLayout(width: width, height: height, title: title, subtitle: subtitle,
                                legend: (identity ? [LegendEntry(dense ? "y = x" : "identity (y = x)", colour: Palette.muted, mark: .dashed)] : [])
                                    + (dense ? [LegendEntry("sparse", colour: Palette.viridis(0), mark: .dot), LegendEntry("dense", colour: Palette.viridis(1), mark: .dot)] : []))
        var svg = SVG(width: width, height: height)
        layout.drawHeader(&svg)
        // Equal axes, so that the identity line is the diagonal: one extent for both.
        let xs = identity ? p.map(\.x) + p.map(\.y) : p.map(\.x), ys = identity ? xs : p.map(\.y)
        let x = Scale.linear(xs, including: [0], range: (layout.left, layout.right))
        let y = Scale.linear(ys, including: [0], range: (layout.bottom, layout.top))
        layout.drawYAxis(&svg, y, label: yLabel)
        layout.drawXAxis(&svg, x, label: xLabel)
        if identity {
            let lo = x.domain.lo, hi = x.domain.hi
            svg.add("line", ["class": "identity", "x1": num(x(lo)), "y1": num(y(lo)), "x2": num(x(hi)), "y2": num(y(hi)),
                             "stroke": Palette.muted, "stroke-width": "1.2", "stroke-dasharray": "5 3"])
        }
        let density = dense ? pointDensities(x: p.map(\.x), y: p.map(\.y)) : []
        // Densest last, so that they stay visible on top.
        let order = dense ? p.indices.sorted { density[$0] < density[$1] } : Array(p.indices)
        let radius = p.count > 2000 ? 1.5 : p.count > 300 ? 2.2 : 3.2
        for i in order {
            let point = p[i]
            svg.add("circle", ["class": "point", "data-id": point.id, "data-x": "\(point.x)", "data-y": "\(point.y)",
                               "cx": num(x(point.x)), "cy": num(y(point.y)), "r": num(radius),
                               "fill": dense ? Palette.viridis(density[i]) : colour, "fill-opacity": dense ? "0.9" : "0.7"],
                    content: SVG.element("title", [:], content: xmlEscape("\(point.id): \(formatValue(point.x)), \(formatValue(point.y))")))
        }
        let body = SVG.element("g", ["class": "scatter", "data-n": "\(stats.n)", "data-pearson": "\(stats.pearson)", "data-spearman": "\(stats.spearman)"],
                               content: svg.body)
        var wrapped = SVG(width: width, height: height)
        wrapped.add(markup: body)
        return wrapped.document(title: "\(title): \(subtitle)")
    }
}
