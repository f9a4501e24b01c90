import Foundation
import Testing
@testable import SAGEGenome

/// Tomtom against memelite's own `tomtom` (Fixtures/motifs, written and checked by tools/make_tomtom_fixtures.py):
/// JASPAR x JASPAR, SAGE-net-style CWM queries (cwm_to_ppm) and edge-case queries against 48 JASPAR CORE
/// vertebrate motifs.
@Suite struct TomtomTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/motifs")

    /// The fixture's matrices (query x target). JSONDecoder, not JSONSerialization, which rounds some doubles.
    struct Expected: Decodable {
        struct Row: Decodable {
            let query: String, motif_match: String
            let raw_pval: Double, bh_corrected_pval: Double
            let strand: Int, offset: Int, overlap: Int
        }
        let queries: [String], targets: [String]
        let p_values: [[Double]], scores: [[Double]], offsets: [[Int]], overlaps: [[Int]], strands: [[Int]], bh: [[Double]]
        let annotations: [Row]
        var p: [[Double]] { p_values }

        static func load(_ file: String) throws -> Expected {
            try JSONDecoder().decode(Expected.self, from: Data(contentsOf: TomtomTests.directory.appendingPathComponent(file)))
        }
    }

    static func database() throws -> TomtomDatabase {
        try TomtomDatabase(targets: readMEME(path: directory.appendingPathComponent("jaspar.meme").path))
    }

    /// Compares every output; returns (log-p Pearson r, fraction with the same best match, max |log10 p diff|).
    func compare(_ rows: [TomtomRow], _ e: Expected) -> (r: Double, best: Double, maxLogDiff: Double, exact: Int, total: Int) {
        var xs: [Double] = [], ys: [Double] = []
        var exactRest = 0
        var sameBest = 0, exact = 0, total = 0, maxDiff = 0.0
        for (i, row) in rows.enumerated() {
            for j in row.pValues.indices {
                xs.append(log10(row.pValues[j])); ys.append(log10(e.p[i][j]))
                maxDiff = max(maxDiff, abs(xs.last! - ys.last!))
                total += 1
                if row.scores[j] == e.scores[i][j]
                    && row.overlaps[j] == e.overlaps[i][j] && row.strands[j] == e.strands[i][j] && row.offsets[j] == e.offsets[i][j] { exactRest += 1 }
                if row.pValues[j] == e.p[i][j] && row.scores[j] == e.scores[i][j] && row.offsets[j] == e.offsets[i][j]
                    && row.overlaps[j] == e.overlaps[i][j] && row.strands[j] == e.strands[i][j] { exact += 1 }
            }
            let mine = row.pValues.indices.min { row.pValues[$0] < row.pValues[$1] }!
            let theirs = e.p[i].indices.min { e.p[i][$0] < e.p[i][$1] }!
            if mine == theirs { sameBest += 1 }
        }
        let mx = xs.reduce(0, +) / Double(xs.count), my = ys.reduce(0, +) / Double(ys.count)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for k in xs.indices { sxy += (xs[k] - mx) * (ys[k] - my); sxx += (xs[k] - mx) * (xs[k] - mx); syy += (ys[k] - my) * (ys[k] - my) }
        print("scores/offsets/overlaps/strands equal: \(exactRest)/\(total)")
        return (sxy / (sxx * syy).squareRoot(), Double(sameBest) / Double(rows.count), maxDiff, exact, total)
    }

    @Test func jasparAgainstJasparMatchesMemelite() throws {
        let e = try Expected.load("tomtom_jaspar.json")
        let db = try Self.database()
        let rows = try Tomtom.compare(db.targets, database: db)
        #expect(db.targets.map(\.id) == e.targets)
        let c = compare(rows, e)
        print("tomtom JASPAR x JASPAR: log-p r \(c.r), same best \(c.best), max |dlog10 p| \(c.maxLogDiff), exact \(c.exact)/\(c.total)")
        #expect(c.r >= 0.999)
        #expect(c.best >= 0.99)
        #expect(c.exact == c.total)
    }

    @Test func cwmQueriesMatchMemelite() throws {
        let e = try Expected.load("tomtom_cwm.json")
        let db = try Self.database()
        let cwms = try readMEME(path: Self.directory.appendingPathComponent("cwm_queries.meme").path)
        #expect(cwms.map(\.id) == e.queries)
        #expect(cwms.contains { $0.values.contains { $0 < 0 } })
        let rows = try Tomtom.compare(cwms.map(cwmToPPM), database: db)
        let c = compare(rows, e)
        print("tomtom CWM queries: log-p r \(c.r), same best \(c.best), max |dlog10 p| \(c.maxLogDiff), exact \(c.exact)/\(c.total)")
        #expect(c.r >= 0.999)
        #expect(c.best >= 0.99)
        #expect(c.exact == c.total)
    }

    /// The background's edge cases: 1-3 column queries, queries longer than every target (no full-span chain),
    /// near one-hot columns (histograms of a few bins), so chains of one to four lanes and short convolutions.
    @Test func edgeCaseQueriesMatchMemelite() throws {
        let e = try Expected.load("tomtom_edge.json")
        let db = try Self.database()
        let queries = try readMEME(path: Self.directory.appendingPathComponent("edge_queries.meme").path)
        #expect(queries.map(\.id) == e.queries)
        #expect(queries.contains { $0.length == 1 } && queries.contains { $0.length > db.targets.map(\.length).max()! })
        let rows = try Tomtom.compare(queries, database: db)
        let c = compare(rows, e)
        print("tomtom edge-case queries: log-p r \(c.r), same best \(c.best), max |dlog10 p| \(c.maxLogDiff), exact \(c.exact)/\(c.total)")
        #expect(c.exact == c.total)
    }

    /// One workspace (which keeps each query length's chains of maxima for its database) used with two databases of
    /// different motif lengths in turn gives every row a fresh workspace gives.
    @Test func workspaceSharedAcrossDatabases() throws {
        let all = try readMEME(path: Self.directory.appendingPathComponent("jaspar.meme").path)
        let short = try TomtomDatabase(targets: all.filter { $0.length <= 10 })
        let long = try TomtomDatabase(targets: all.filter { $0.length > 10 })
        let queries = try readMEME(path: Self.directory.appendingPathComponent("edge_queries.meme").path)
        let shared = TomtomWorkspace()
        for (n, db) in [short, long, short, long].enumerated() {
            let expected = try Tomtom.compare(queries, database: db)
            let rows = queries.map { Tomtom.compare($0, database: db, workspace: shared) }
            #expect(rows == expected, "pass \(n)")
        }
    }

    @Test func benjaminiHochbergEqualsStatsmodels() throws {
        for file in ["tomtom_jaspar.json", "tomtom_cwm.json"] {
            let e = try Expected.load(file)
            let bh = benjaminiHochberg(e.p.flatMap { $0 })
            #expect(bh == e.bh.flatMap { $0 }, "\(file)")
        }
        // Ties and the cap at 1, by hand: p = [0.01, 0.04, 0.04, 0.5] -> 0.04, 0.0533.., 0.0533.., 0.5.
        let hand = benjaminiHochberg([0.04, 0.01, 0.5, 0.04])
        #expect(hand == [0.04 / 0.75, 0.01 / 0.25, 0.5, 0.04 / 0.75])
        #expect(benjaminiHochberg([0.9, 0.8]) == [0.9, 0.9])
    }

    @Test func annotationsEqualSageNetSelection() throws {
        for (file, cwm) in [("tomtom_jaspar.json", false), ("tomtom_cwm.json", true)] {
            let e = try Expected.load(file)
            let db = try Self.database()
            let queries = cwm ? try readMEME(path: Self.directory.appendingPathComponent("cwm_queries.meme").path).map(cwmToPPM) : db.targets
            let rows = annotateMatches(try Tomtom.compare(queries, database: db))
            #expect(rows.count == e.annotations.count, "\(file)")
            for (mine, theirs) in zip(rows, e.annotations) {
                #expect(e.queries[mine.query] == theirs.query)
                #expect(db.targets[mine.target].id == theirs.motif_match)
                #expect(mine.pValue == theirs.raw_pval)
                #expect(mine.bhPValue == theirs.bh_corrected_pval)
                #expect(mine.strand == theirs.strand && mine.offset == theirs.offset && mine.overlap == theirs.overlap)
            }
        }
    }

    @Test func badQueriesAreOneClearError() throws {
        let db = try Self.database()
        let nan = cwmToPPM(Motif(id: "zero_col", values: [1, 0, 0, 0, 0, 0, 0, 0]))
        #expect(throws: GenomeError.self) { try Tomtom.compare([nan], database: db) }
        do { _ = try Tomtom.compare([nan], database: db) } catch { #expect("\(error)".contains("zero_col") && "\(error)".contains("position 2")) }
        #expect(throws: GenomeError.self) { try Tomtom.compare([Motif(id: "z", values: [0, 0, 0, 0])], database: db) }
        #expect(throws: GenomeError.self) { try TomtomDatabase(targets: []) }
    }
}
