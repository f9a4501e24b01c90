/// Small HTML builders for the report: every text escaped, every element closed, so that the page also parses
/// as XML (which the tests use to check it).
enum HTML {
    static func element(_ name: String, _ attributes: KeyValuePairs<String, String> = [:], _ content: String) -> String {
        SVG.element(name, attributes, content: content)
    }

    static func text(_ s: String) -> String { xmlEscape(s) }

    /// A table cell: its text, and the exact number it shows (data-value, for readers and tests) when numeric.
    struct Cell {
        var text: String, value: Double?
        init(_ text: String) { self.text = text; value = nil }
        init(number: Double, decimals: Int = 3) { text = formatValue(number, decimals: decimals); value = number }
        init(count: Int) { text = "\(count)"; value = Double(count) }
    }

    /// A table with a header row; `name` becomes its data-table attribute.
    static func table(_ name: String, headers: [String], rows: [[Cell]]) -> String {
        let head = element("tr", [:], headers.map { element("th", [:], text($0)) }.joined())
        let body = rows.map { row in
            element("tr", [:], row.map { cell in
                cell.value.map { element("td", ["class": "num", "data-value": "\($0)"], text(cell.text)) } ?? element("td", [:], text(cell.text))
            }.joined())
        }.joined()
        return element("table", ["class": "numbers", "data-table": name], element("thead", [:], head) + element("tbody", [:], body))
    }

    /// A panel: a section with an id, a heading and a short explanation of what is drawn.
    static func section(_ id: String, _ heading: String, intro: String, _ content: String) -> String {
        element("section", ["class": "panel", "id": id],
                element("h2", [:], text(heading)) + (intro.isEmpty ? "" : element("p", ["class": "intro"], text(intro))) + content)
    }

    /// Figures side by side, wrapping on narrow pages.
    static func figures(_ svgs: [String]) -> String {
        element("div", ["class": "figures"], svgs.map { element("figure", [:], $0) }.joined())
    }

    static func note(_ s: String) -> String { element("p", ["class": "note"], text(s)) }
}
