import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif
@testable import SAGEReport

/// Parses XML text; the elements by name, each with its attributes, in document order.
final class XMLElements: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text = ""
    static func parse(_ xml: String) -> (ok: Bool, elements: XMLElements, error: String) {
        let parser = XMLParser(data: Data(xml.utf8))
        let delegate = XMLElements()
        parser.delegate = delegate
        let ok = parser.parse()
        return (ok, delegate, parser.parserError.map { "\($0)" } ?? "")
    }
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements.append((name, attributes))
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
    func all(_ name: String, class c: String? = nil) -> [[String: String]] {
        elements.filter { $0.name == name && (c == nil || $0.attributes["class"] == c) }.map(\.attributes)
    }
}

@Suite struct ScaleTests {
    @Test func linearTicksAreNiceAndCoverTheData() {
        let s = Scale.linear([0.13, 0.87], range: (0, 100))
        #expect(s.ticks.count == 6)
        #expect(zip(s.ticks, [0, 0.2, 0.4, 0.6, 0.8, 1.0]).allSatisfy { abs($0 - $1) < 1e-12 }, "\(s.ticks)")
        #expect(s.ticks.map(s.label) == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])
        #expect(s(0.5) == 50)
        let big = Scale.linear([0, 1234], range: (0, 100))
        #expect(big.ticks.allSatisfy { $0.truncatingRemainder(dividingBy: 250) == 0 }, "\(big.ticks)")
        #expect(big.label(1000) == "1000")
    }

    @Test func niceStepsAreOneTwoTwoAndAHalfOrFiveTimesAPowerOfTen() {
        #expect(niceStep(0.13) == 0.2)
        #expect(niceStep(0.23) == 0.25)
        #expect(niceStep(3.2) == 5)
        #expect(niceStep(7) == 10)
        #expect(niceStep(1) == 1)
    }

    @Test func aConstantSeriesStillGetsARange() {
        let s = Scale.linear([0.5, 0.5], range: (100, 0))
        #expect(s.domain.lo < 0.5 && s.domain.hi > 0.5)
        #expect(s(0.5) < 100 && s(0.5) > 0)
    }

    @Test func logTicksArePowersOfTenInScientificNotation() throws {
        let s = try #require(Scale.log([1e-4, 3e-3], range: (0, 100)))
        #expect(s.ticks.first == 1e-4 && s.ticks.last == 1e-2)
        #expect(s.label(1e-4) == "1e-4")
        #expect(abs(s(1e-3) - 50) < 1e-9)
    }
}

@Suite struct StatisticsTests {
    @Test func spearmanAveragesTiesAsScipy() {
        // scipy.stats.spearmanr([1, 2, 2, 3, 4], [10, 20, 30, 30, 50]).statistic = 0.9210526315789475
        #expect(abs(spearman([1, 2, 2, 3, 4], [10, 20, 30, 30, 50]) - 0.9210526315789475) < 1e-12)
        #expect(ranks([3, 1, 3, 2]) == [3.5, 1, 3.5, 2])
    }

    @Test func summaryQuartilesMatchNumpy() {
        // numpy.percentile([1, 2, 3, 4, 10], [25, 50, 75]) = [2, 3, 4]; NaN counted apart.
        let s = Summary([4, 1, .nan, 3, 10, 2])
        #expect(s.n == 5 && s.nonFinite == 1)
        #expect(s.q1 == 2 && s.median == 3 && s.q3 == 4 && s.min == 1 && s.max == 10 && s.mean == 4)
        #expect(quantile(sorted: [0, 1], 0.25) == 0.25)
    }

    @Test func pointsInTheCrowdAreDenserThanAnOutlier() {
        let x = (0..<50).map { Double($0 % 7) * 0.01 } + [5], y = (0..<50).map { Double($0 % 5) * 0.01 } + [5]
        let d = pointDensities(x: x, y: y)
        #expect(d.max() == 1 && d[50] < 0.05 && d[0] > 0.5)
    }
}

@Suite struct PlotTests {
    static func points(_ n: Int) -> [(id: String, value: Double)] {
        var g = SplitMix(seed: 7)
        return (0..<n).map { (id: "g\($0)<&>", value: g.next() * 2 - 1) }
    }

    @Test func aDistributionPlotIsXMLWithEveryPointAndItsMedian() {
        let a = Self.points(40), b = Self.points(25)
        let plot = DistributionPlot(title: "r & more", yLabel: "r", groups: ["train", "test"], models: ["p-SAGE-net", "PrediXcan"],
                                    cells: [.init(group: "train", model: "p-SAGE-net", values: a), .init(group: "test", model: "PrediXcan", values: b + [("nan", .nan)])])
        let parsed = XMLElements.parse(plot.svg())
        #expect(parsed.ok, "\(parsed.error)")
        let cells = parsed.elements.all("g", class: "cell")
        #expect(cells.count == 2)
        #expect(cells[1]["data-n"] == "25" && cells[1]["data-nan"] == "1")
        #expect(Double(cells[0]["data-median"]!) == Summary(a.map(\.value)).median)
        #expect(parsed.elements.all("circle", class: "point").count == 65)
        #expect(parsed.elements.all("circle", class: "point").first?["data-id"] == "g0<&>")  // escaped in the markup, intact when parsed
        #expect(parsed.elements.all("polygon", class: "violin").count == 2)
    }

    @Test func aScatterColoursByDensityOnlyWhenPointsAreMany() {
        func scatter(_ n: Int) -> XMLElements {
            var g = SplitMix(seed: 3)
            let points = (0..<n).map { i -> (id: String, x: Double, y: Double) in let x = g.next(); return ("r\(i)", x, x + 0.2 * g.next()) }
            let parsed = XMLElements.parse(ScatterPlot(title: "t", xLabel: "a", yLabel: "b", points: points).svg())
            #expect(parsed.ok, "\(parsed.error)")
            return parsed.elements
        }
        let few = scatter(50), many = scatter(600)
        #expect(Set(few.all("circle", class: "point").map { $0["fill"]! }).count == 1)
        #expect(Set(many.all("circle", class: "point").map { $0["fill"]! }).count > 5)
        #expect(few.all("line", class: "identity").count == 1)
        #expect(few.all("g", class: "scatter").first?["data-n"] == "50")
    }

    @Test func aLinePlotBreaksAtMissingValuesAndMarksTheBestEpoch() {
        var plot = LinePlot(title: "loss", xLabel: "step", yLabel: "loss",
                            series: [.init(name: "val", colour: "#000", points: [(1, 1), (2, 0.5), (3, .nan), (4, 0.4), (5, 0.3)])])
        plot.markers = [.init(x: 4, label: "best: epoch 4")]
        let parsed = XMLElements.parse(plot.svg())
        #expect(parsed.ok, "\(parsed.error)")
        #expect(parsed.elements.all("polyline").count == 2)
        #expect(parsed.elements.all("line", class: "marker").count == 1)
        #expect(parsed.elements.text.contains("best: epoch 4"))
    }

    @Test func okabeItoColoursAreDistinctAndModelsKeepTheirs() {
        #expect(Set(Palette.categorical).count == 8)
        #expect(Palette.model("p-SAGE-net") != Palette.model("PrediXcan"))
        #expect(Palette.viridis(0) == "#440154" && Palette.viridis(1) == "#fde725")
    }
}

/// A seeded generator in [0, 1) for test data.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Double((z ^ (z >> 31)) >> 11) / Double(1 << 53)
    }
}

@Suite struct TickLabelTests {
    @Test func labelsShowEveryDecimalOfTheStep() {
        let s = Scale.linear([-0.7, 0.55], range: (0, 100))  // step 0.25
        #expect(s.ticks.map(s.label) == ["-0.75", "-0.50", "-0.25", "0.00", "0.25", "0.50", "0.75"], "\(s.ticks.map(s.label))")
        #expect(Set(s.ticks.map(s.label)).count == s.ticks.count)
    }
}
