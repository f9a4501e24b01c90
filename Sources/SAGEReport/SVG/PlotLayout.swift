/// One legend entry: a label and how its series is drawn.
public struct LegendEntry: Sendable {
    public enum Mark: Sendable { case line, dashed, dot, box }
    public var label: String, colour: String, mark: Mark
    public init(_ label: String, colour: String, mark: Mark = .line) { self.label = label; self.colour = colour; self.mark = mark }
}

/// Where a plot's parts go in its SVG: title and subtitle on top, the legend in rows below them (wrapped to the
/// width), the plot box, tick labels and axis labels around it. Sizes in SVG units; y grows downward.
public struct PlotLayout {
    public let width: Double, height: Double
    public let title: String, subtitle: String
    public let legend: [LegendEntry]
    /// The plot box's edges.
    public let left: Double, right: Double, top: Double, bottom: Double
    let legendRows: [[(entry: LegendEntry, x: Double)]]

    static let titleSize = 14.0, subtitleSize = 11.5, tickSize = 11.0, labelSize = 12.0, legendSize = 11.5
    static let legendRowHeight = 17.0

    /// `bottomSpace`: room under the plot box for tick and axis labels (more for categorical labels on two lines).
    public init(width: Double, height: Double, title: String, subtitle: String = "", legend: [LegendEntry] = [],
                leftSpace: Double = 62, rightSpace: Double = 16, bottomSpace: Double = 46) {
        self.width = width; self.height = height; self.title = title; self.subtitle = subtitle; self.legend = legend
        var y = 8 + Self.titleSize
        if !subtitle.isEmpty { y += Self.subtitleSize + 5 }
        // Legend rows: entries left to right, a new row when the next would pass the right edge.
        var rows: [[(entry: LegendEntry, x: Double)]] = [], row: [(entry: LegendEntry, x: Double)] = []
        var x = leftSpace
        for entry in legend {
            let w = 26 + textWidth(entry.label, size: Self.legendSize) + 14
            if !row.isEmpty && x + w > width - rightSpace { rows.append(row); row = []; x = leftSpace }
            row.append((entry, x)); x += w
        }
        if !row.isEmpty { rows.append(row) }
        legendRows = rows
        y += Double(rows.count) * Self.legendRowHeight + 12
        left = leftSpace; right = width - rightSpace; top = y; bottom = height - bottomSpace
    }

    /// Title, subtitle and legend.
    public func drawHeader(_ svg: inout SVG) {
        var y = 8 + Self.titleSize
        // A title wider than the drawing is set smaller (SVG text does not wrap or clip itself).
        let room = width - left - 6, wide = textWidth(title, size: Self.titleSize) * 1.08
        svg.text(title, x: left, y: y, size: wide > room ? max(9, Self.titleSize * room / wide) : Self.titleSize, weight: "bold")
        if !subtitle.isEmpty { y += Self.subtitleSize + 5; svg.text(subtitle, x: left, y: y, size: Self.subtitleSize, fill: Palette.muted) }
        for (k, row) in legendRows.enumerated() {
            let cy = y + 6 + Double(k + 1) * Self.legendRowHeight - Self.legendRowHeight / 2
            for (entry, x) in row {
                switch entry.mark {
                case .line, .dashed:
                    svg.add("line", ["x1": num(x), "y1": num(cy), "x2": num(x + 20), "y2": num(cy), "stroke": entry.colour, "stroke-width": "2.5",
                                     "stroke-dasharray": entry.mark == .dashed ? "5 3" : "none"])
                case .dot:
                    svg.add("circle", ["cx": num(x + 10), "cy": num(cy), "r": "4", "fill": entry.colour])
                case .box:
                    svg.add("rect", ["x": num(x + 3), "y": num(cy - 6), "width": "14", "height": "12", "fill": entry.colour, "fill-opacity": "0.35",
                                     "stroke": entry.colour, "stroke-width": "1.5"])
                }
                svg.text(entry.label, x: x + 26, y: cy + 4, size: Self.legendSize)
            }
        }
    }

    /// The y axis: grid lines and tick labels at the scale's ticks, the label rotated along the left edge.
    public func drawYAxis(_ svg: inout SVG, _ scale: Scale, label: String) {
        for t in scale.ticks {
            let y = scale(t)
            svg.add("line", ["x1": num(left), "y1": num(y), "x2": num(right), "y2": num(y), "stroke": Palette.grid, "stroke-width": "1"])
            svg.text(scale.label(t), x: left - 6, y: y + 4, size: Self.tickSize, anchor: "end", fill: Palette.muted)
        }
        svg.add("line", ["x1": num(left), "y1": num(top), "x2": num(left), "y2": num(bottom), "stroke": Palette.axis, "stroke-width": "1"])
        let widest = scale.ticks.map { textWidth(scale.label($0), size: Self.tickSize) }.max() ?? 20
        svg.text(label, x: max(12, left - widest - 16), y: (top + bottom) / 2, size: Self.labelSize, anchor: "middle", rotate: -90)
    }

    /// The x axis of a numeric scale: ticks, tick labels, grid lines and the label.
    public func drawXAxis(_ svg: inout SVG, _ scale: Scale, label: String, grid: Bool = true) {
        for t in scale.ticks {
            let x = scale(t)
            if grid { svg.add("line", ["x1": num(x), "y1": num(top), "x2": num(x), "y2": num(bottom), "stroke": Palette.grid, "stroke-width": "1"]) }
            svg.add("line", ["x1": num(x), "y1": num(bottom), "x2": num(x), "y2": num(bottom + 4), "stroke": Palette.axis, "stroke-width": "1"])
            svg.text(scale.label(t), x: x, y: bottom + 17, size: Self.tickSize, anchor: "middle", fill: Palette.muted)
        }
        drawXBaseline(&svg)
        svg.text(label, x: (left + right) / 2, y: bottom + 36, size: Self.labelSize, anchor: "middle")
    }

    public func drawXBaseline(_ svg: inout SVG) {
        svg.add("line", ["x1": num(left), "y1": num(bottom), "x2": num(right), "y2": num(bottom), "stroke": Palette.axis, "stroke-width": "1"])
    }

    /// A horizontal reference line (e.g. r = 0) across the plot box.
    public func drawHorizontal(_ svg: inout SVG, y: Double, colour: String = Palette.axis, dash: String = "4 3") {
        svg.add("line", ["x1": num(left), "y1": num(y), "x2": num(right), "y2": num(y), "stroke": colour, "stroke-width": "1", "stroke-dasharray": dash])
    }
}
