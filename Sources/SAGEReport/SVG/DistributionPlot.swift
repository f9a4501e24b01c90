import Foundation

/// Box and violin with jittered points, per model within each group (SAGE-net's sb_plot: whiskers to min and
/// max, black strip points, a line at 0, medians labelled). Each cell is an SVG group carrying its numbers
/// (data-group, data-model, data-n, data-median); each point carries its id and value (data-id, data-value)
/// and a tooltip.
public struct DistributionPlot {
    public struct Cell: Sendable {
        public var group: String, model: String
        /// (id, value): e.g. (region id, Pearson r); non-finite values are counted but not drawn.
        public var values: [(id: String, value: Double)]
        public init(group: String, model: String, values: [(id: String, value: Double)]) {
            self.group = group; self.model = model; self.values = values
        }
    }

    public var title: String, subtitle = ""
    public var yLabel: String
    /// Group labels in order (the x axis), models in order (the legend); cells by (group, model).
    public var groups: [String], models: [String]
    public var cells: [Cell]
    public var colours: [String: String] = [:]
    /// Points are drawn only up to this many per cell (evenly subsampled beyond: the box and violin use all).
    public var maxPoints = 1500
    public var width = 560.0, height = 330.0

    public init(title: String, yLabel: String, groups: [String], models: [String], cells: [Cell]) {
        self.title = title; self.yLabel = yLabel; self.groups = groups; self.models = models; self.cells = cells
    }

    func colour(_ model: String) -> String {
        colours[model] ?? Palette.model(model) ?? Palette.category(models.firstIndex(of: model) ?? 0)
    }

    public func svg() -> String {
        let layout = PlotLayout(width: width, height: height, title: title, subtitle: subtitle,
                                legend: models.map { LegendEntry($0, colour: colour($0), mark: .box) }, bottomSpace: 40)
        var svg = SVG(width: width, height: height)
        layout.drawHeader(&svg)
        let all = cells.flatMap { $0.values.map(\.value) }
        let y = Scale.linear(all, including: [0], range: (layout.bottom, layout.top))
        layout.drawYAxis(&svg, y, label: yLabel)
        layout.drawHorizontal(&svg, y: y(0))
        layout.drawXBaseline(&svg)
        let groupWidth = (layout.right - layout.left) / Double(max(groups.count, 1))
        let cellWidth = min(groupWidth * 0.9 / Double(max(models.count, 1)), 120)
        for (g, group) in groups.enumerated() {
            let groupCentre = layout.left + groupWidth * (Double(g) + 0.5)
            let groupCells = cells.filter { $0.group == group }
            svg.text(group, x: groupCentre, y: layout.bottom + 17, size: PlotLayout.labelSize, anchor: "middle")
            if g > 0 {
                let x = layout.left + groupWidth * Double(g)
                svg.add("line", ["x1": num(x), "y1": num(layout.top), "x2": num(x), "y2": num(layout.bottom), "stroke": Palette.grid, "stroke-width": "1"])
            }
            let present = models.filter { m in groupCells.contains { $0.model == m } }
            for (k, model) in present.enumerated() {
                guard let cell = groupCells.first(where: { $0.model == model }) else { continue }
                let cx = groupCentre + (Double(k) - Double(present.count - 1) / 2) * cellWidth
                svg.add(markup: drawCell(cell, centre: cx, width: cellWidth, y: y, colour: colour(model), seed: UInt64(g * 31 + k)))
            }
        }
        return svg.document(title: title)
    }

    func drawCell(_ cell: Cell, centre cx: Double, width w: Double, y: Scale, colour: String, seed: UInt64) -> String {
        let s = Summary(cell.values.map(\.value))
        var g = SVG(width: 0, height: 0)
        // Violin: the density mirrored about the centre, at most 0.45 of the cell's width on each side.
        let density = kernelDensity(cell.values.map(\.value))
        if !density.isEmpty {
            let half = w * 0.45
            let right = density.map { "\(num(cx + half * $0.density)),\(num(y($0.x)))" }
            let left = density.reversed().map { "\(num(cx - half * $0.density)),\(num(y($0.x)))" }
            g.add("polygon", ["class": "violin", "points": (right + left).joined(separator: " "), "fill": colour, "fill-opacity": "0.18",
                              "stroke": colour, "stroke-opacity": "0.5", "stroke-width": "1"])
        }
        if s.n > 0 {
            let bw = w * 0.26
            g.add("line", ["x1": num(cx), "y1": num(y(s.min)), "x2": num(cx), "y2": num(y(s.max)), "stroke": colour, "stroke-width": "1.4"])
            for v in [s.min, s.max] {
                g.add("line", ["x1": num(cx - bw / 3), "y1": num(y(v)), "x2": num(cx + bw / 3), "y2": num(y(v)), "stroke": colour, "stroke-width": "1.4"])
            }
            g.add("rect", ["class": "box", "x": num(cx - bw / 2), "y": num(y(s.q3)), "width": num(bw), "height": num(max(y(s.q1) - y(s.q3), 0.5)),
                           "fill": "#ffffff", "fill-opacity": "0.75", "stroke": colour, "stroke-width": "1.6"])
            g.add("line", ["class": "median", "x1": num(cx - bw / 2), "y1": num(y(s.median)), "x2": num(cx + bw / 2), "y2": num(y(s.median)),
                           "stroke": colour, "stroke-width": "2.6"])
        }
        // Strip points, jittered with a seeded generator so that the same data always draws the same.
        var rng = seed &+ 0x9E37_79B9_7F4A_7C15
        let drawn = cell.values.enumerated().filter { $0.element.value.isFinite }
        let step = max(1, (drawn.count + maxPoints - 1) / maxPoints)
        let radius = drawn.count > 300 ? 1.3 : drawn.count > 80 ? 1.8 : 2.4, opacity = drawn.count > 300 ? "0.3" : "0.55"
        for (k, point) in drawn.enumerated() where k % step == 0 {
            rng = rng &* 6364136223846793005 &+ 1442695040888963407
            let jitter = (Double(rng >> 11) / Double(1 << 53) - 0.5) * w * 0.36
            g.add("circle", ["class": "point", "data-id": point.element.id, "data-value": "\(point.element.value)",
                             "cx": num(cx + jitter), "cy": num(y(point.element.value)), "r": num(radius), "fill": Palette.ink, "fill-opacity": opacity],
                  content: SVG.element("title", [:], content: xmlEscape("\(point.element.id): \(formatValue(point.element.value))")))
        }
        if s.n > 0 {
            let label = formatValue(s.median)
            let ly = max(y(s.max) - 6, y.range.to + 11)
            g.add("text", ["class": "median-label", "x": num(cx), "y": num(ly), "font-size": "11", "text-anchor": "middle",
                           "font-weight": "bold", "fill": Palette.ink, "paint-order": "stroke", "stroke": "#ffffff", "stroke-width": "3"],
                  content: xmlEscape(label))
        }
        return SVG.element("g", ["class": "cell", "data-group": cell.group, "data-model": cell.model, "data-n": "\(s.n)",
                                 "data-nan": "\(s.nonFinite)", "data-median": "\(s.median)"], content: g.body)
    }
}
