import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// `sage-mpi report` over a small simulated study (simulate -> prepare -> train -> evaluate -> predixcan): every
/// panel is there, the page parses as XML, and the numbers drawn are those of the files they come from.
@Suite struct ReportTests {
    /// One study (about half a minute to make), three sets of checks on it.
    @Test func reportOfASmallSimulatedStudy() throws {
        let dir = try Self.makeStudy()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.everyPanelWithTheNumbersOfTheFilesItDraws(dir)
        try Self.aPartAbsentOrStillBeingWrittenIsLeftOutNotAnError(dir)
        try Self.replacesOnlyItsOwnPageAndNamesWhatItCannotRead(dir)
    }

    static func makeStudy() throws -> String {
        let dir = try Subprocess.simulatedCohort("report", regions: 24, individuals: 40, inputLen: 300, seed: 2, prepared: true)
        let config = dir + "/sage.toml"
        func run(_ args: [String]) throws {
            let r = try Subprocess.alone(args, timeout: 300)
            guard r.status == 0 else { throw SubprocessError("\(args.prefix(2).joined(separator: " ")) failed: \(r.combined)") }
        }
        let tiny = ["first_layer_kernel_number=8", "int_layers_kernel_number=8", "hidden_size=8", "n_conv_blocks=2", "pooling_size=5",
                    "patience=0", "batch_size=8"].flatMap { ["--set", $0] }
        try run(["train", "--config", config, "--out", dir + "/runs/psagenet", "--quiet", "--set", "max_epochs=3"] + tiny)
        // A second run of the same model (the same metrics): overlaid with the first.
        try run(["train", "--config", config, "--out", dir + "/runs/psagenet-lr", "--quiet", "--set", "max_epochs=2", "--set", "learning_rate=0.003"] + tiny)
        for regions in ["train", "test"] {
            try run(["evaluate", "--checkpoint", dir + "/runs/psagenet/best.safetensors", "--config", config, "--regions", regions,
                     "--individuals", "test", "--out", dir + "/eval/psagenet-\(regions)", "--quiet"])
        }
        try run(["baseline", "predixcan", "--config", config, "--causal", dir + "/truth/causal_variants.csv", "--out", dir + "/predixcan", "--quiet"])
        return dir
    }

    /// A CSV we wrote: the header and the rows, split at commas.
    static func csv(_ path: String) throws -> (header: [String], rows: [[String]]) {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        return (lines[0], Array(lines.dropFirst()))
    }
    static func column(_ t: (header: [String], rows: [[String]]), _ name: String) -> [String] {
        let i = t.header.firstIndex(of: name)!
        return t.rows.map { $0[i] }
    }
    static func median(_ v: [Double]) -> Double {
        let s = v.filter(\.isFinite).sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
    static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        let n = Double(x.count), mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
        let sxy = zip(x, y).reduce(0) { $0 + ($1.0 - mx) * ($1.1 - my) }
        return sxy / (x.reduce(0) { $0 + ($1 - mx) * ($1 - mx) } * y.reduce(0) { $0 + ($1 - my) * ($1 - my) }).squareRoot()
    }

    /// The page's elements (name, attributes, the text inside), parsed as XML.
    final class Page: NSObject, XMLParserDelegate {
        /// Each element with the id of the section it is in.
        var elements: [(name: String, attributes: [String: String], text: String, section: String)] = []
        private var open: [Int] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            let section = name == "section" ? attributes["id"] ?? "" : open.last.map { elements[$0].section } ?? ""
            elements.append((name, attributes, "", section)); open.append(elements.count - 1)
        }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) { open.removeLast() }
        func parser(_ parser: XMLParser, foundCharacters string: String) { for i in open { elements[i].text += string } }
        func all(_ name: String, _ key: String? = nil, _ value: String? = nil, in section: String? = nil) -> [(name: String, attributes: [String: String], text: String, section: String)] {
            elements.filter { $0.name == name && (key == nil || $0.attributes[key!] == value) && (section == nil || $0.section == section) }
        }
    }

    static func parse(_ path: String) throws -> Page {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let parser = XMLParser(data: data), page = Page()
        parser.delegate = page
        guard parser.parse() else { throw SubprocessError("\(path) is not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)") }
        return page
    }

    static func everyPanelWithTheNumbersOfTheFilesItDraws(_ dir: String) throws {
        let out = dir + "/report.html"
        let r = try Subprocess.alone(["report", dir, "--out", out])
        #expect(r.status == 0, "\(r.combined)")
        let html = try String(contentsOfFile: out, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<!-- Written by sage-mpi report"))
        // Self-contained: no script, nothing to fetch (the only URL is the SVG namespace's name).
        #expect(!html.contains("<script") && !html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "").contains("http"))
        #expect(!html.contains("url(") && !html.contains("<link") && !html.contains("<img"))
        let page = try Self.parse(out)
        let sections = page.all("section").compactMap { $0.attributes["id"] }
        #expect(sections == ["header", "training", "region-r", "individual-r", "scatter", "truth"])
        #expect(page.all("svg").count >= 3 + 1 + 1 + 1 + 2)

        // Per-region r: the cells' medians and points are those of region_correlations.csv and summary.csv.
        let predixcan = try Self.csv(dir + "/predixcan/summary.csv")
        let predixcanTest = Dictionary(uniqueKeysWithValues: zip(Self.column(predixcan, "region_id"), Self.column(predixcan, "test_pearson").map { Double($0) ?? .nan }))
        for (regions, label) in [("train", "training regions"), ("test", "unseen regions (test)")] {
            let eval = try Self.csv(dir + "/eval/psagenet-\(regions)/region_correlations.csv")
            let ids = Self.column(eval, "region_id"), values = Self.column(eval, "pearson").map { Double($0) ?? .nan }
            let cell = try #require(page.all("g", "data-group", label, in: "region-r").first { $0.attributes["data-model"] == "p-SAGE-net" })
            #expect(Double(cell.attributes["data-median"]!) == Self.median(values))
            #expect(cell.attributes["data-n"] == "\(values.filter(\.isFinite).count)")
            let points = page.elements.filter { $0.name == "circle" && $0.attributes["class"] == "point" }
            let cellPoints = points.filter { p in ids.contains(p.attributes["data-id"] ?? "") && p.attributes["data-value"] != nil }
            #expect(cellPoints.count >= values.filter(\.isFinite).count)
            for (id, v) in zip(ids, values) where v.isFinite {
                #expect(cellPoints.contains { $0.attributes["data-id"] == id && Double($0.attributes["data-value"]!) == v }, "point \(id) = \(v)")
            }
            let px = try #require(page.all("g", "data-group", label, in: "region-r").first { $0.attributes["data-model"] == "PrediXcan" })
            #expect(Double(px.attributes["data-median"]!) == Self.median(ids.map { predixcanTest[$0]! }))
            // The table row says the same, rounded.
            let row = page.all("tr").first { $0.text.hasPrefix(label + "p-SAGE-net") }
            #expect(row?.text.contains(String(format: "%.3f", Self.median(values))) == true, "\(row?.text ?? "no row")")

            // Scatter: p-SAGE-net against PrediXcan on the same regions, n and Pearson as computed here.
            let pairs = zip(ids, values).compactMap { id, v -> (Double, Double)? in
                let p = predixcanTest[id]!
                return v.isFinite && p.isFinite ? (p, v) : nil
            }
            let scatters = page.all("g", "class", "scatter")
            let scatter = try #require(scatters.first { $0.text.contains(label) })
            #expect(scatter.attributes["data-n"] == "\(pairs.count)")
            #expect(abs(Double(scatter.attributes["data-pearson"]!)! - Self.pearson(pairs.map(\.0), pairs.map(\.1))) < 1e-12)
        }

        // Per-individual r: the table's data-value for the medians.
        let individuals = try Self.csv(dir + "/eval/psagenet-test/individual_correlations.csv")
        let individualCell = try #require(page.all("g", "data-group", "unseen regions (test)", in: "individual-r").first { $0.attributes["data-model"] == "p-SAGE-net" })
        #expect(Double(individualCell.attributes["data-median"]!) == Self.median(Self.column(individuals, "pearson").map { Double($0) ?? .nan }))

        // Training: the best epoch marked is the epoch whose monitored metric (train_region_pearson_median) is highest.
        let lines = try String(contentsOfFile: dir + "/runs/psagenet/metrics.jsonl", encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }.filter { $0["kind"] as? String == "val" }
        let best = lines.max { ($0["train_region_pearson_median"] as? Double ?? -2) < ($1["train_region_pearson_median"] as? Double ?? -2) }!
        #expect(page.all("text").contains { $0.text == "best: epoch \(best["epoch"] as! Int)" })
        #expect(page.all("polyline").count >= 3)
        let overlay = try #require(page.all("div", "data-overlay", "psagenet,psagenet-lr").first)
        #expect(overlay.text.contains("Overlaid: psagenet, psagenet-lr") && overlay.text.contains("train_region_pearson_median") && overlay.text.contains("val_loss"))

        // Planted truth: the count of regions whose top-weighted feature is causal, from causal.csv.
        let causal = try Self.csv(dir + "/predixcan/causal.csv")
        let top = Self.column(causal, "top_is_causal")
        let truthRow = try #require(page.all("table", "data-table", "truth").first)
        #expect(truthRow.text.contains("predixcan\(top.filter { !$0.isEmpty }.count)\(top.filter { $0 == "1" }.count)"), "\(truthRow.text)")
    }

    static func aPartAbsentOrStillBeingWrittenIsLeftOutNotAnError(_ dir: String) throws {
        // Only an evaluation: no training or truth panels.
        let out = dir + "/eval-only.html"
        let r = try Subprocess.alone(["report", dir + "/eval/psagenet-test", "--out", out])
        #expect(r.status == 0, "\(r.combined)")
        #expect(try Self.parse(out).all("section").compactMap { $0.attributes["id"] } == ["header", "region-r", "individual-r"])
        // A run whose metrics end in half a line (train is writing it) reads as far as it got.
        let copy = dir + "/running"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: dir + "/runs/psagenet", toPath: copy)
        try FileManager.default.removeItem(atPath: copy + "/state.safetensors")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: copy + "/metrics.jsonl"))
        try handle.seekToEnd(); try handle.write(contentsOf: Data("{\"kind\": \"train\", \"ste".utf8)); try handle.close()
        let running = try Subprocess.alone(["report", copy, "--out", dir + "/running.html"])
        #expect(running.status == 0, "\(running.combined)")
        #expect(try Self.parse(dir + "/running.html").all("section").compactMap { $0.attributes["id"] } == ["header", "training"])
    }

    static func replacesOnlyItsOwnPageAndNamesWhatItCannotRead(_ dir: String) throws {
        let out = dir + "/notes.html"
        try "my notes\n".write(toFile: out, atomically: true, encoding: .utf8)
        let refused = try Subprocess.alone(["report", dir + "/predixcan", "--out", out])
        #expect(refused.status == 1 && refused.stderr.contains("\(out) exists and is not a report written by sage-mpi"), "\(refused.combined)")
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "my notes\n")
        let forced = try Subprocess.alone(["report", dir + "/predixcan", "--out", out, "--force"])
        #expect(forced.status == 0, "\(forced.combined)")
        let again = try Subprocess.alone(["report", dir + "/predixcan", "--out", out])  // now ours: replaced without --force
        #expect(again.status == 0, "\(again.combined)")
        let empty = dir + "/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let nothing = try Subprocess.alone(["report", empty, "--out", dir + "/x.html"])
        #expect(nothing.status == 1 && nothing.stderr.contains("\(empty): holds no output of sage-mpi"), "\(nothing.combined)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/x.html"))
        let damaged = dir + "/damaged"
        try? FileManager.default.removeItem(atPath: damaged)
        try FileManager.default.copyItem(atPath: dir + "/eval/psagenet-test", toPath: damaged)
        try "region_id,chr,pearson\nr1,chr1\n".write(toFile: damaged + "/region_correlations.csv", atomically: true, encoding: .utf8)
        let bad = try Subprocess.alone(["report", damaged, "--out", dir + "/x.html"])
        #expect(bad.status == 1 && bad.stderr.contains("\(damaged)/region_correlations.csv:2: 2 fields, the header has 3"), "\(bad.combined)")
        #expect(!bad.stderr.contains("Foundation") && bad.stderr.split(separator: "\n").count == 1)
    }
}
