import Foundation
import Testing
@testable import SAGEGenome

/// The text tables (regions, expression, individual lists): CRLF and blank lines work, rows report their real line,
/// and empty or duplicated content is one error naming the file and the lines or columns.
@Suite struct TableTests {
    /// Writes `text` to a fresh temporary file named `name` and returns its path.
    final class File {
        let path: String
        init(_ name: String, _ text: String) throws {
            path = FileManager.default.temporaryDirectory.appendingPathComponent("sage-table-\(UUID().uuidString)-\(name)").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body(); return "(no error)" } catch { return String(describing: error) }
    }

    @Test func regionsWithCRLFBlankLinesQuotesAndTabs() throws {
        let csv = try File("r.csv", "gene_id,chr,pos,strand\r\n\r\nG1,1,500,+\r\n\"G,2\", chr2 ,20,-\r\n  \r\n")
        let regions = try readRegions(path: csv.path)
        #expect(regions == [Region(id: "G1", chr: "1", pos: 500, strand: "+"), Region(id: "G,2", chr: "chr2", pos: 20, strand: "-")])
        #expect(regions.map(\.line) == [3, 4])
        let tsv = try File("r.tsv", "\u{FEFF}region_id\tchr\tpos\r\nR1\tX\t7\r\n")
        #expect(try readRegions(path: tsv.path) == [Region(id: "R1", chr: "X", pos: 7, strand: nil)])
    }

    @Test func regionErrorsNameTheirRealLine() throws {
        // Line 5 has an extra field, after a blank line 3: the message says 5, not the row's index + 2.
        let extra = try File("r.csv", "gene_id,chr,pos,strand\nG1,1,500,+\n\nG2,1,900,-\nG3,1,1200,+,x\n")
        #expect(message { _ = try readRegions(path: extra.path) }.hasSuffix("r.csv:5: 5 fields, the header has 4"))
        let missing = try File("r.csv", "gene_id,chr,pos,strand\r\nG1,1,500,+\r\nG2,1,900,-\r\nG3,1,1200\r\n")
        #expect(message { _ = try readRegions(path: missing.path) }.hasSuffix("r.csv:4: 3 fields, the header has 4"))
        let duplicate = try File("r.csv", "gene_id,chr,pos,strand\nG1,1,500,+\nG2,1,900,-\n\nG1,2,40,+\n")
        #expect(message { _ = try readRegions(path: duplicate.path) }.hasSuffix("r.csv:5: duplicate region id 'G1' (first on line 2)"))
        let quote = try File("r.csv", "gene_id,chr,pos\nG1,1,5\n\"G2,1,9\n")
        #expect(message { _ = try readRegions(path: quote.path) }.contains("r.csv:3: unbalanced double quote"))
    }

    @Test func regionsTableWithoutRegionsIsAnError() throws {
        let headerOnly = try File("r.csv", "gene_id,chr,pos,strand\r\n\r\n")
        #expect(message { _ = try readRegions(path: headerOnly.path) } == "\(headerOnly.path): the regions table has a header but no regions")
        let empty = try File("r.csv", "\n\n")
        #expect(message { _ = try readRegions(path: empty.path) } == "\(empty.path): the regions table is empty (no header line)")
    }

    @Test func expressionDuplicatesAndCRLF() throws {
        let good = try File("e.csv", "gene_id,A,B\r\nG1,1.5,2\r\n\r\nG2,-3,4e-1\r\n")
        let table = try readExpression(path: good.path)
        #expect(table.individuals == ["A", "B"] && table.regionIDs == ["G1", "G2"] && table.row(of: "G2") == [-3, 0.4])
        let rows = try File("e.csv", "gene_id,A,B\nG1,1,2\nG2,3,4\nG1,5,6\n")
        #expect(message { _ = try readExpression(path: rows.path) }.hasSuffix("e.csv:4: region 'G1' has a second row (first on line 2); each region must have one row"))
        let columns = try File("e.csv", "gene_id,A,B,C,B\nG1,1,2,3,4\n")
        #expect(message { _ = try readExpression(path: columns.path) }.hasSuffix("e.csv:1: individual 'B' heads two columns (3 and 5); each individual must have one column"))
        let short = try File("e.csv", "gene_id,A,B\nG1,1,2\n\nG2,3\n")
        #expect(message { _ = try readExpression(path: short.path) }.hasSuffix("e.csv:4: 2 fields, the header has 3"))
        let noRows = try File("e.csv", "gene_id,A,B\n")
        #expect(message { _ = try readExpression(path: noRows.path) }.contains("the expression table has a header but no rows"))
    }

    @Test func individualListsWithCRLFBlankLinesAndNoIDs() throws {
        let crlf = try File("i.txt", "IND1\r\n\r\n  IND2 \r\nIND3")
        #expect(try readIndividualList(crlf.path) == ["IND1", "IND2", "IND3"])
        let twice = try File("i.txt", "A\r\nB\r\nA\r\n")
        #expect(message { _ = try readIndividualList(twice.path) }.hasSuffix("i.txt:3: individual 'A' listed twice (first on line 1)"))
        let blank = try File("i.txt", "\r\n  \r\n\n")
        #expect(message { _ = try readIndividualList(blank.path) } == "\(blank.path): no individuals listed (one id per line)")
    }

    @Test func fieldSplitting() {
        #expect(TextTable.split("a, b ,\"c,d\",\"e\"\"f\",", delimiter: ",") == ["a", "b", "c,d", "e\"f", ""])
        #expect(TextTable.split("a\t b\t", delimiter: "\t") == ["a", "b", ""])
        #expect(TextTable.split("\"open,x", delimiter: ",") == nil)
    }
}
