import ArgumentParser
import SAGEDistributed
import SAGEPipeline

/// A subcommand name that no command group knows, found in the arguments before ArgumentParser sees them:
/// ArgumentParser prints the group's help and exits 0 for `sage-mpi attribtue --help` (the unknown name is ignored
/// once --help is present), so a script's typo would pass unnoticed.
struct UnknownCommand: Error, CustomStringConvertible {
    /// The command path that was recognised, e.g. "sage-mpi bench".
    let path: String
    /// The unknown name as typed.
    let name: String
    /// The subcommand names of `path`'s group.
    let known: [String]

    var description: String {
        let close = Self.closest(to: name, in: known)
        let hint = close.isEmpty
            ? "The commands of '\(path)' are: \(known.joined(separator: ", "))."
            : "Did you mean \(close.map { "'\($0)'" }.joined(separator: " or "))?"
        return "unknown command '\(name)' for '\(path)'. \(hint) See '\(path) --help'."
    }

    /// Walks `arguments` (without the executable) down `root`'s command groups and throws for the first word where a
    /// subcommand is due that is none of the group's subcommands. Stops at the first command without subcommands
    /// (its own arguments are ArgumentParser's business) and at `--`. Words starting with "-" are skipped: command
    /// groups take no options with values (only --help, -h, --version), and ArgumentParser reports unknown ones.
    /// The word `help` (ArgumentParser's help command) is skipped too, so `sage-mpi help attribtue` is checked.
    static func check(_ arguments: some Sequence<String>, root: any ParsableCommand.Type) throws {
        var subcommands = subcommandNames(of: root)
        var path = root._commandName
        for word in arguments {
            if subcommands.isEmpty || word == "--" { return }
            if word.hasPrefix("-") || word == "help" { continue }
            guard let next = subcommands.first(where: { $0.names.contains(word) }) else {
                throw UnknownCommand(path: path, name: word, known: subcommands.map { $0.names[0] })
            }
            subcommands = subcommandNames(of: next.type)
            path += " " + word
        }
    }

    /// Each subcommand of `command` with its names (the command name first, then its aliases).
    private static func subcommandNames(of command: any ParsableCommand.Type) -> [(type: any ParsableCommand.Type, names: [String])] {
        let configuration = command.configuration
        return configuration.subcommands.map { sub in
            let name = sub._commandName
            return (sub, [name] + sub.configuration.aliases)
        }
    }

    /// The known names within a small edit distance of `name` (at most 1 for names under 6 letters, else 2; a swap of
    /// neighbouring letters counts 1), nearest first; empty when none is that close.
    static func closest(to name: String, in known: [String]) -> [String] {
        let limit = name.count < 6 ? 1 : 2
        let scored = known.map { ($0, editDistance(name, $0)) }.filter { $0.1 <= limit }
        guard let best = scored.map(\.1).min() else { return [] }
        return scored.filter { $0.1 == best }.map(\.0)
    }
}
