import ArgumentParser
import Foundation
import SAGEEngine

/// A run-time failure of a command (bad data, unwritable output): printed as "error: <message>" (under
/// runOnRanks) or "Error: <message>" (by ArgumentParser), exit status 1, without a usage line. Flag problems use
/// ArgumentParser's ValidationError instead.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Quotes a CSV field when it holds a comma, quote or line break.
func csvField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}

/// Writes `text` to `path` (AtomicFile: temporary name, then rename; through a link, its target), or to
/// standard output when path is nil. Check the path first with `OutputGuard.checkFile`, before the work.
func writeOutput(_ text: String, to path: String?) throws {
    guard let path else { FileHandle.standardOutput.write(Data(text.utf8)); return }
    try AtomicFile.write(Data(text.utf8), to: path)
}

/// Whether a file's first bytes start with `prefix` (how a command recognises its own earlier output).
func startsWith(_ prefix: String) -> (Data) -> Bool {
    { head in head.starts(with: Data(prefix.utf8)) }
}

/// The `--force` every command writing a single file takes.
struct ForceOption: ParsableArguments {
    @Flag(help: "Replace --out even when it is an existing file sage-mpi did not write (never an input).") var force = false
}
