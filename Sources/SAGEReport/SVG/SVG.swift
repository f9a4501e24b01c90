import Foundation

/// An SVG drawing built element by element, in user units (1 unit = 1 CSS pixel at 100%). Attribute values and
/// text are escaped for XML, so the document parses as XML and can be inlined in an HTML page as is.
public struct SVG {
    public let width: Double, height: Double
    public private(set) var body = ""

    public init(width: Double, height: Double) { self.width = width; self.height = height }

    /// Appends one element: `<name a="v" ...>content</name>`, or self-closed without content. `content` is
    /// already markup (use `SVG.text` for plain text).
    public mutating func add(_ name: String, _ attributes: KeyValuePairs<String, String>, content: String? = nil) {
        body += SVG.element(name, attributes, content: content)
    }

    /// Appends markup made elsewhere (another drawing's elements, a group).
    public mutating func add(markup: String) { body += markup }

    public static func element(_ name: String, _ attributes: KeyValuePairs<String, String>, content: String? = nil) -> String {
        var s = "<" + name
        for (k, v) in attributes { s += " \(k)=\"\(xmlEscape(v))\"" }
        guard let content else { return s + "/>" }
        return s + ">" + content + "</" + name + ">"
    }

    /// Text positioned at (x, y) (the baseline); `anchor` start, middle or end; `extra` more attributes.
    public mutating func text(_ string: String, x: Double, y: Double, size: Double = 12, anchor: String = "start",
                              weight: String = "normal", fill: String = Palette.ink, rotate: Double? = nil) {
        var attributes: KeyValuePairs<String, String> = ["x": num(x), "y": num(y), "font-size": num(size), "text-anchor": anchor,
                                                          "font-weight": weight, "fill": fill]
        if let rotate {
            attributes = ["x": num(x), "y": num(y), "font-size": num(size), "text-anchor": anchor, "font-weight": weight, "fill": fill,
                          "transform": "rotate(\(num(rotate)) \(num(x)) \(num(y)))"]
        }
        add("text", attributes, content: xmlEscape(string))
    }

    /// The standalone `<svg>` element (role img, with a title for screen readers and tooltips).
    public func document(title: String, className: String = "plot") -> String {
        SVG.element("svg", ["xmlns": "http://www.w3.org/2000/svg", "class": className, "role": "img",
                            "viewBox": "0 0 \(num(width)) \(num(height))", "width": num(width), "height": num(height)],
                    content: SVG.element("title", [:], content: xmlEscape(title)) + body)
    }
}

/// Text made safe for XML character data and attribute values.
public func xmlEscape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.count)
    for c in s {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default:
            // Control characters other than tab and line breaks are not allowed in XML 1.0.
            if let a = c.asciiValue, a < 0x20, a != 0x09, a != 0x0A, a != 0x0D { out += " " } else { out.append(c) }
        }
    }
    return out
}

/// A coordinate in SVG text: at most two decimals, no trailing zeros ("12", "3.5", "0.25").
public func num(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    var s = String(format: "%.2f", x)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s == "-0" ? "0" : s
}

/// A width estimate for text in the report's sans-serif font (SVG cannot measure text without a script):
/// 0.58 em per character on average, a little generous so that labels do not collide.
func textWidth(_ s: String, size: Double) -> Double { Double(s.count) * size * 0.58 }
