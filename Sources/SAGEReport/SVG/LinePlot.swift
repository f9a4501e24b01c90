/// Lines over a numeric x (e.g. loss by global step), with optional vertical markers (the best epoch).
public struct LinePlot {
    public struct Series: Sendable {
        public var name: String, colour: String, dashed: Bool
        /// (x, y) in x order; non-finite y breaks the line.
        public var points: [(x: Double, y: Double)]
        public init(name: String, colour: String, dashed: Bool = false, points: [(x: Double, y: Double)]) {
            self.name = name; self.colour = colour; self.dashed = dashed; self.points = points
        }
    }
    /// A vertical line at x with a label at its top.
    public struct Marker: Sendable {
        public var x: Double, label: String
        public init(x: Double, label: String) { self.x = x; self.label = label }
    }

    public var title: String, subtitle = ""
    public var xLabel: String, yLabel: String
    public var series: [Series]
    public var markers: [Marker] = []
    public var logY = false
    public var width = 400.0, height = 290.0

    public init(title: String, xLabel: String, yLabel: String, series: [Series]) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.series = series
    }

    public func svg() -> String {
        let legend = series.map { LegendEntry($0.name, colour: $0.colour, mark: $0.dashed ? .dashed : .line) }
        // A legend of many rows makes the drawing taller rather than the plot box smaller.
        let rows = PlotLayout(width: width, height: height, title: title, subtitle: subtitle, legend: legend).legendRows.count
        let height = self.height + Double(max(rows - 2, 0)) * PlotLayout.legendRowHeight
        let layout = PlotLayout(width: width, height: height, title: title, subtitle: subtitle, legend: legend)
        var svg = SVG(width: width, height: height)
        layout.drawHeader(&svg)
        let xs = series.flatMap { $0.points.map(\.x) } + markers.map(\.x)
        let ys = series.flatMap { $0.points.map(\.y) }
        let x = Scale.linear(xs, range: (layout.left, layout.right), tickCount: 6)
        let y = (logY ? Scale.log(ys, range: (layout.bottom, layout.top)) : nil) ?? Scale.linear(ys, range: (layout.bottom, layout.top))
        layout.drawYAxis(&svg, y, label: yLabel)
        layout.drawXAxis(&svg, x, label: xLabel)
        for marker in markers {
            let px = x(marker.x)
            svg.add("line", ["class": "marker", "x1": num(px), "y1": num(layout.top), "x2": num(px), "y2": num(layout.bottom),
                             "stroke": Palette.muted, "stroke-width": "1.2", "stroke-dasharray": "3 3"])
            let anchor = px > (layout.left + layout.right) / 2 ? "end" : "start"
            svg.add("text", ["x": num(px + (anchor == "end" ? -4 : 4)), "y": num(layout.top + 12), "font-size": "11", "text-anchor": anchor,
                             "fill": Palette.muted, "paint-order": "stroke", "stroke": "#ffffff", "stroke-width": "3"], content: xmlEscape(marker.label))
        }
        for s in series {
            var segments: [[String]] = [[]]
            for p in s.points {
                if p.y.isFinite && (!logY || p.y > 0) { segments[segments.count - 1].append("\(num(x(p.x))),\(num(y(p.y)))") }
                else if !segments[segments.count - 1].isEmpty { segments.append([]) }
            }
            for segment in segments where !segment.isEmpty {
                if segment.count == 1 {
                    let xy = segment[0].split(separator: ",")
                    svg.add("circle", ["cx": String(xy[0]), "cy": String(xy[1]), "r": "2.5", "fill": s.colour])
                } else {
                    svg.add("polyline", ["points": segment.joined(separator: " "), "fill": "none", "stroke": s.colour, "stroke-width": "1.8",
                                         "stroke-linejoin": "round", "stroke-dasharray": s.dashed ? "5 3" : "none"])
                }
            }
        }
        return svg.document(title: title)
    }
}
