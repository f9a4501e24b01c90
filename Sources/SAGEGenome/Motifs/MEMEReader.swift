import Foundation

/// Reads a MEME motif file (MEME version 4 or 5 text format: what JASPAR, HOCOMOCO v12, MEME, STREME, memelite and
/// drg_tools write). Header lines are optional and checked when present: `MEME version N`, `ALPHABET= ACGT` or an
/// `ALPHABET ... END ALPHABET` block whose core letters are A, C, G, T, `strands:`, `Background letter
/// frequencies` (its next line). Each motif is `MOTIF id [alternate name]` followed by `letter-probability matrix:`
/// (alength= 4, w=, nsites=, E= optional; without w= the rows run until the first line that is not one) and w
/// rows of 4 numbers, one per position; URL lines, log-odds matrices and other lines are skipped. Values are read
/// as given: a CWM's negative entries (SAGE-net's `cluster_cwms.meme`) are kept. Motifs come in file order.
///
/// Throws one GenomeError naming the file and the line for anything malformed (no motifs, a MOTIF without a
/// matrix, a short or non-numeric row, an alphabet other than DNA).
public func readMEME(path: String) throws -> [Motif] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw GenomeError("\(path): cannot read the MEME motif file (missing or unreadable)")
    }
    guard let text = String(data: data, encoding: .utf8) else {
        throw GenomeError("\(path): not a text file (a MEME motif file is UTF-8/ASCII text)")
    }
    return try parseMEME(text, name: path)
}

/// `readMEME` on text in memory; `name` is what error messages call it.
public func parseMEME(_ text: String, name: String) throws -> [Motif] {
    var parser = MEMEParser(lines: text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }),
                            name: name)
    return try parser.parse()
}

private struct MEMEParser {
    let lines: [Substring]
    let name: String
    var index = 0
    var motifs: [Motif] = []

    init(lines: [Substring], name: String) {
        self.lines = lines.map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        self.name = name
    }

    func error(_ message: String, line: Int? = nil) -> GenomeError {
        GenomeError("\(name): line \((line ?? index) + 1): \(message)")
    }

    mutating func parse() throws -> [Motif] {
        var pending: (id: String, alt: String?, line: Int)?
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("MEME version") {
                let v = line.dropFirst("MEME version".count).trimmingCharacters(in: .whitespaces)
                guard let major = v.split(separator: ".").first.flatMap({ Int($0) }), major >= 3 else {
                    throw error("'\(line)': expected 'MEME version 4' or 5")
                }
            } else if line.hasPrefix("ALPHABET=") {
                let letters = line.dropFirst("ALPHABET=".count).trimmingCharacters(in: .whitespaces)
                guard letters.uppercased() == "ACGT" else {
                    throw error("alphabet '\(letters)' is not DNA (ACGT); only DNA motifs are supported")
                }
            } else if line.hasPrefix("ALPHABET") {
                try skipAlphabetBlock()
            } else if line.hasPrefix("Background letter frequencies") {
                index += 1  // the frequencies line(s): Tomtom does not use them
            } else if line.hasPrefix("MOTIF") {
                if let p = pending { throw error("MOTIF \(p.id) has no 'letter-probability matrix:' line", line: p.line) }
                let fields = line.dropFirst("MOTIF".count).split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard let id = fields.first else { throw error("MOTIF line without a motif id") }
                let alt = fields.count > 1 ? fields.dropFirst().joined(separator: " ") : nil
                pending = (String(id), alt, index)
            } else if line.hasPrefix("letter-probability matrix") {
                guard let p = pending else { throw error("'letter-probability matrix:' without a MOTIF line before it") }
                motifs.append(try readMatrix(id: p.id, alt: p.alt))
                pending = nil
                continue
            } else if line.hasPrefix("log-odds matrix") {
                try skipLogOdds()
                continue
            }
            index += 1
        }
        if let p = pending { throw error("MOTIF \(p.id) has no 'letter-probability matrix:' line", line: p.line) }
        if motifs.isEmpty { throw GenomeError("\(name): no motifs (no 'MOTIF' with a 'letter-probability matrix:'); is this a MEME file?") }
        return motifs
    }

    /// `key= value` fields of a matrix line (`alength= 4 w= 6 nsites= 20 E= 0`; also `w=6`).
    func fields(of line: String) throws -> [String: String] {
        guard let colon = line.firstIndex(of: ":") else { return [:] }
        let tokens = line[line.index(after: colon)...].split(whereSeparator: { $0 == " " || $0 == "\t" })
        var out: [String: String] = [:]
        var t = 0
        while t < tokens.count {
            let token = tokens[t]
            if let eq = token.firstIndex(of: "=") {
                let key = String(token[..<eq]), rest = String(token[token.index(after: eq)...])
                if rest.isEmpty {
                    guard t + 1 < tokens.count else { throw error("'\(key)=' without a value") }
                    out[key] = String(tokens[t + 1])
                    t += 2
                    continue
                }
                out[key] = rest
            }
            t += 1
        }
        return out
    }

    mutating func readMatrix(id: String, alt: String?) throws -> Motif {
        let header = lines[index].trimmingCharacters(in: .whitespaces)
        let f = try fields(of: header)
        if let a = f["alength"] {
            guard Int(a) == 4 else { throw error("motif \(id): alength= \(a), expected 4 (DNA)") }
        }
        var width: Int?
        if let w = f["w"] {
            guard let v = Int(w), v >= 1 else { throw error("motif \(id): w= \(w) is not a positive integer") }
            width = v
        }
        let nsites = try f["nsites"].map { s -> Double in
            guard let v = Double(s) else { throw error("motif \(id): nsites= \(s) is not a number") }
            return v
        }
        let evalue = f["E"].flatMap { Double($0) }
        index += 1
        var values: [Double] = []
        var rows = 0
        while width.map({ rows < $0 }) ?? true {
            // MEME allows blank lines inside a matrix only before its first row.
            while index < lines.count, rows == 0, lines[index].allSatisfy({ $0 == " " || $0 == "\t" }) { index += 1 }
            guard index < lines.count else {
                if width == nil && rows > 0 { break }
                throw error("motif \(id): the matrix ends after \(rows) of \(width.map(String.init) ?? "its") matrix rows")
            }
            let tokens = lines[index].split(whereSeparator: { $0 == " " || $0 == "\t" })
            let numbers = tokens.compactMap { Double($0) }
            if numbers.count != tokens.count || tokens.isEmpty {
                if width == nil && rows > 0 { break }
                if tokens.isEmpty || lines[index].hasPrefix("MOTIF") {
                    throw error("motif \(id): the matrix ends after \(rows) of \(width!) rows")
                }
                throw error("motif \(id): matrix row \(rows + 1) '\(lines[index].trimmingCharacters(in: .whitespaces))' is not 4 numbers")
            }
            guard numbers.count == 4 else {
                throw error("motif \(id): matrix row \(rows + 1) has \(numbers.count) values, expected 4 (A C G T)")
            }
            guard numbers.allSatisfy({ $0.isFinite }) else { throw error("motif \(id): matrix row \(rows + 1) has a non-finite value") }
            values += numbers
            rows += 1
            index += 1
        }
        if rows == 0 { throw error("motif \(id): empty matrix") }
        return Motif(id: id, altName: alt, values: values, nsites: nsites, evalue: evalue)
    }

    /// A MEME 5 custom alphabet: `ALPHABET "name" DNA-LIKE` ... `END ALPHABET`; its core symbols must be ACGT.
    mutating func skipAlphabetBlock() throws {
        let start = index
        var core: [String] = []
        index += 1
        while index < lines.count {
            let line = lines[index].trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("END ALPHABET") {
                let letters = core.sorted().joined()
                guard letters == "ACGT" else {
                    throw error("alphabet with core letters '\(core.joined())' is not DNA (ACGT); only DNA motifs are supported", line: start)
                }
                return
            }
            // A core symbol line: `A "Adenine" CC0000 ~ T "Thymine" 008000` or `A`; aliases (`N = ACGT`) are skipped.
            let tokens = line.split(separator: " ")
            if let first = tokens.first, first.count == 1, !line.contains("=") {
                core.append(first.uppercased())
                if let tilde = tokens.firstIndex(of: "~"), tilde + 1 < tokens.count { core.append(tokens[tilde + 1].uppercased()) }
            }
            index += 1
        }
        throw error("ALPHABET block without 'END ALPHABET'", line: start)
    }

    /// Skips a `log-odds matrix:` and its w rows.
    mutating func skipLogOdds() throws {
        let f = try fields(of: lines[index].trimmingCharacters(in: .whitespaces))
        index += 1
        guard let w = f["w"].flatMap({ Int($0) }) else {
            while index < lines.count, let first = lines[index].split(separator: " ").first, Double(first) != nil { index += 1 }
            return
        }
        index += w
        if index > lines.count { throw error("log-odds matrix runs past the end of the file", line: lines.count - 1) }
    }
}
