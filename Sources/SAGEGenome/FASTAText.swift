import Foundation

/// A FASTA record: the header's first word (after '>') and the sequence bytes with line breaks removed.
public struct FASTARecord: Sendable, Equatable {
    public let name: String
    public let sequence: [UInt8]
    public init(name: String, sequence: [UInt8]) { self.name = name; self.sequence = sequence }
}

/// Reads every record of a plain-text FASTA file (small files such as `sage-mpi sequences` output; genomes are
/// read through htslib's faidx instead). Errors name the file and line.
public func readFASTARecords(path: String) throws -> [FASTARecord] {
    guard let data = FileManager.default.contents(atPath: path) else {
        throw GenomeError("\(path): cannot read the file (missing or unreadable)")
    }
    var records: [FASTARecord] = []
    var name: String?
    var sequence: [UInt8] = []
    var lineNumber = 0
    for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        lineNumber += 1
        var bytes = line
        if bytes.last == UInt8(ascii: "\r") { bytes = bytes.dropLast() }
        if bytes.first == UInt8(ascii: ">") {
            if let name { records.append(FASTARecord(name: name, sequence: sequence)) }
            let header = String(decoding: bytes.dropFirst(), as: UTF8.self)
            guard let first = header.split(separator: " ").first else {
                throw GenomeError("\(path):\(lineNumber): a '>' header without a name")
            }
            name = String(first)
            sequence = []
        } else if !bytes.isEmpty {
            guard name != nil else { throw GenomeError("\(path):\(lineNumber): sequence before the first '>' header; not a FASTA file?") }
            if let bad = bytes.first(where: { !(($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || $0 == 42 || $0 == 45) }) {
                throw GenomeError("\(path):\(lineNumber): unexpected character '\(Character(UnicodeScalar(bad)))' in a sequence line")
            }
            sequence.append(contentsOf: bytes)
        }
    }
    if let name { records.append(FASTARecord(name: name, sequence: sequence)) }
    if records.isEmpty { throw GenomeError("\(path): no FASTA records found") }
    return records
}

public struct GenomeError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
