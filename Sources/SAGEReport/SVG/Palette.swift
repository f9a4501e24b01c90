/// Colours of the report: Okabe & Ito's palette (distinct under every common colour-vision deficiency) for
/// categories, and a viridis ramp (perceptually even, readable in grey) for densities.
public enum Palette {
    public static let ink = "#1a1a1a"
    public static let muted = "#595959"
    public static let grid = "#e3e3e3"
    public static let axis = "#8c8c8c"

    /// Okabe-Ito, in the order categories take them (black and yellow last: yellow is faint on white).
    public static let categorical = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

    /// The `k`-th category colour (cycling).
    public static func category(_ k: Int) -> String { categorical[((k % categorical.count) + categorical.count) % categorical.count] }

    /// Fixed colours for the models SAGE-net's figures compare, so that a model keeps its colour across panels.
    public static func model(_ name: String) -> String? {
        switch name {
        case "r-SAGE-net": "#0072B2"
        case "p-SAGE-net": "#D55E00"
        case "PrediXcan": "#009E73"
        case "Enformer": "#CC79A7"
        default: nil
        }
    }

    /// Viridis at t in [0, 1] (dark purple to yellow), linear between ten stops.
    public static func viridis(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [(68, 1, 84), (72, 40, 120), (62, 74, 137), (49, 104, 142), (38, 130, 142),
                                                 (31, 158, 137), (53, 183, 121), (109, 205, 89), (180, 222, 44), (253, 231, 37)]
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2), f = x - Double(i)
        func mix(_ a: Double, _ b: Double) -> Int { Int((a + (b - a) * f).rounded()) }
        let (a, b) = (stops[i], stops[i + 1])
        return hex(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }

    static func hex(_ r: Int, _ g: Int, _ b: Int) -> String {
        let digits = Array("0123456789abcdef")
        return "#" + [r, g, b].map { String(digits[($0 >> 4) & 15]) + String(digits[$0 & 15]) }.joined()
    }
}
