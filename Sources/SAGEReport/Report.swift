import Foundation

/// `sage-mpi report`: one self-contained HTML page (inline SVG and CSS, no script, no web font, nothing fetched)
/// drawn from the outputs found in the given directories. Panels, each present only when its data is: what was
/// run; training curves; per-region and per-individual r by model and region set (CNNs, PrediXcan, Enformer
/// features, another cohort's evaluations apart); model against model; the planted truth of a simulated cohort;
/// sweeps. The page also parses as XML, and every number drawn is in its markup
/// (data-* attributes, table cells' data-value), so that it can be checked against the CSVs it came from.
public struct Report {
    /// How the page starts: the mark by which `report` recognises a file it wrote (and may replace).
    public static let signature = "<!DOCTYPE html>\n<!-- Written by sage-mpi report"

    public var inputs: ReportInputs
    public var version: String
    public var title = "sage-mpi report"

    public init(inputs: ReportInputs, version: String) { self.inputs = inputs; self.version = version }

    public func html(generated: Date = Date()) -> String {
        let comparisons = Comparisons(inputs)
        let panels = [HeaderPanel.html(inputs, version: version, generated: generated),
                      TrainingPanel.html(inputs.runs),
                      DistributionPanels.regions(comparisons),
                      DistributionPanels.individuals(comparisons),
                      ScatterPanel.html(comparisons),
                      TruthPanel.html(inputs),
                      SweepPanel.html(inputs.sweeps)].filter { !$0.isEmpty }
        let head = HTML.element("head", [:], "<meta charset=\"utf-8\"/>" + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>"
                                + HTML.element("title", [:], HTML.text(title)) + HTML.element("style", [:], Self.css))
        let body = HTML.element("body", [:], HTML.element("h1", [:], HTML.text(title)) + panels.joined())
        return Self.signature + " -->\n" + HTML.element("html", ["lang": "en"], head + body) + "\n"
    }

    /// Screen and print: readable widths, figures side by side, no panel split across pages.
    static let css = """
    body { font-family: "DejaVu Sans", "Helvetica Neue", Helvetica, Arial, sans-serif; color: #1a1a1a; margin: 24px auto; max-width: 1240px; padding: 0 16px; line-height: 1.4; }
    h1 { font-size: 24px; margin: 0 0 8px; }
    h2 { font-size: 19px; margin: 0 0 6px; border-bottom: 1px solid #d0d0d0; padding-bottom: 4px; }
    h3 { font-size: 15px; margin: 14px 0 6px; }
    section.panel { margin: 0 0 28px; }
    p.intro { color: #444; font-size: 13.5px; margin: 4px 0 10px; max-width: 980px; }
    p.meta, p.note { color: #444; font-size: 13px; }
    p.config { font-size: 12px; color: #333; word-break: break-all; }
    span.kv { white-space: nowrap; margin-right: 4px; }
    div.figures { display: flex; flex-wrap: wrap; gap: 12px 18px; align-items: flex-start; }
    figure { margin: 0; break-inside: avoid; page-break-inside: avoid; }
    svg.plot { display: block; background: #fff; font-family: "DejaVu Sans", "Helvetica Neue", Helvetica, Arial, sans-serif; }
    table.numbers { border-collapse: collapse; font-size: 12.5px; margin: 10px 0; }
    table.numbers th, table.numbers td { border-bottom: 1px solid #e0e0e0; padding: 3px 10px; text-align: left; vertical-align: top; }
    table.numbers th { background: #f3f3f3; font-weight: 600; }
    table.numbers td.num { text-align: right; font-variant-numeric: tabular-nums; }
    div.sortable > input { position: absolute; opacity: 0; width: 1px; height: 1px; }
    div.sortable > label { font-size: 12.5px; margin-right: 12px; cursor: pointer; color: #0060a0; text-decoration: underline; }
    span.sortby { font-size: 12.5px; color: #444; }
    div.sortable > div.view { display: none; overflow-x: auto; }
    div.sortable > input.v0:checked ~ div.v0, div.sortable > input.v1:checked ~ div.v1, div.sortable > input.v2:checked ~ div.v2,
    div.sortable > input.v3:checked ~ div.v3, div.sortable > input.v4:checked ~ div.v4 { display: block; }
    div.sortable > input:checked + label { font-weight: 600; color: #1a1a1a; text-decoration: none; }
    @media print {
      div.sortable > label, span.sortby { display: none; }
      body { margin: 0; max-width: none; }
      section.panel { break-inside: auto; }
      div.run, table.numbers { break-inside: avoid; page-break-inside: avoid; }
      h2, h3 { break-after: avoid; page-break-after: avoid; }
    }
    """
}
