import Foundation
import SAGEEngine

/// What a command may replace: only its own earlier output, never an input, never a user's file.
///
/// Output directories carry a marker file (`.sage-mpi-output`, whose text names the kind: store, run, evaluate,
/// predixcan, simulate, bench) written when sage-mpi creates them. A directory may be written into or replaced only
/// when it does not exist, is empty, or carries the marker of the same kind. An output (file or directory) that
/// is, or contains, an input is refused. Paths are compared after following symbolic links.
public enum OutputGuard {
    public static let markerName = ".sage-mpi-output"

    /// Refuses `out` unless a command of `kind` may create or replace it (see the type's comment).
    /// `legacy`: recognises this kind's output written before markers existed (e.g. a store's manifest).
    /// `owns`: for a command that replaces the whole directory, the names it writes there (default: any); an
    /// existing directory holding anything else (a file a user added, another output) is refused, so nothing is lost.
    public static func checkDirectory(_ out: String, kind: String, inputs: [String], legacy: (String) -> Bool = { _ in false },
                                      owns: (String) -> Bool = { _ in true }) throws {
        try checkNotAnInput(out, inputs: inputs)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: out, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue else {
            throw OutputError("\(out) exists and is a file, not a \(kind) directory of sage-mpi's: choose another output path")
        }
        guard marker(of: out) == kind || isEmpty(out) || legacy(out) else {
            let other = marker(of: out).map { " (it holds sage-mpi's \($0) output)" } ?? ""
            throw OutputError("\(out) exists and is not a \(kind) directory written by sage-mpi\(other); nothing was changed: choose another output path, or move it away yourself")
        }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []
        if let foreign = entries.sorted().first(where: { $0 != markerName && !owns($0) }) {
            throw OutputError("\(out) is an earlier \(kind) output but also holds '\(foreign)', which sage-mpi did not write there; nothing was changed: move it away, or choose another output path")
        }
    }

    /// Refuses a file output that is an input, or an existing file that `isOurs` does not recognise (unless
    /// `force`). `isOurs` gets the first bytes of the existing file.
    public static func checkFile(_ out: String, inputs: [String], force: Bool, what: String, isOurs: (Data) -> Bool) throws {
        try checkNotAnInput(out, inputs: inputs)
        if out.hasPrefix("/dev/") || out.hasPrefix("/proc/") { return }  // a stream (/dev/stdout): written in place, never replaced
        let target = AtomicFile.resolvingLinks(out)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: target, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue { throw OutputError("\(out) is a directory; give a file name for the \(what)") }
        var info = stat()
        if stat(target, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG { return }  // /dev/stdout, a FIFO
        let head = FileHandle(forReadingAtPath: target).map { h in defer { try? h.close() }; return (try? h.read(upToCount: 4096)) ?? Data() } ?? Data()
        if force || head.isEmpty || isOurs(head) { return }
        throw OutputError("\(out) exists and is not a \(what) written by sage-mpi; nothing was changed: choose another path, or add --force to replace it")
    }

    /// `checkDirectory`, then creates the directory (emptied first when `replace`: only after the check, so only
    /// this kind's own earlier output is removed) and marks it as this kind's.
    public static func claim(_ out: String, kind: String, inputs: [String], legacy: (String) -> Bool = { _ in false },
                             owns: (String) -> Bool = { _ in true }, replace: Bool = false) throws {
        try checkDirectory(out, kind: kind, inputs: inputs, legacy: legacy, owns: owns)
        let fm = FileManager.default
        if replace && fm.fileExists(atPath: out) { try fm.removeItem(atPath: out) }
        do { try fm.createDirectory(atPath: out, withIntermediateDirectories: true) } catch {
            throw OutputError("\(out): cannot create the output directory (\(fileErrorDescription(error) ?? "\(error)"))")
        }
        try mark(out, kind: kind)
    }

    /// Marks a directory sage-mpi created as this kind's output.
    public static func mark(_ directory: String, kind: String) throws {
        try AtomicFile.write(Data((kind + "\n").utf8), to: (directory as NSString).appendingPathComponent(markerName))
    }

    /// The kind named by a directory's marker, if it has one.
    public static func marker(of directory: String) -> String? {
        (try? String(contentsOfFile: (directory as NSString).appendingPathComponent(markerName), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func isEmpty(_ directory: String) -> Bool {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? ["?"]).isEmpty
    }

    /// Refuses `out` when it is one of `inputs` (the same path once links are followed, or the same file: a
    /// hard link) or a directory holding one.
    public static func checkNotAnInput(_ out: String, inputs: [String]) throws {
        let o = canonical(out)
        var outInfo = stat()
        let outExists = stat(out, &outInfo) == 0
        for input in inputs {
            let i = canonical(input)
            var info = stat()
            let sameFile = outExists && stat(input, &info) == 0 && info.st_dev == outInfo.st_dev && info.st_ino == outInfo.st_ino
            if i == o || sameFile { throw OutputError("\(out) is an input of this command (\(input)); refusing to overwrite it: choose another output path") }
            if i.hasPrefix(o == "/" ? "/" : o + "/") {
                throw OutputError("\(out) contains an input of this command (\(input)); refusing to write over it: choose another output path")
            }
        }
    }

    /// An absolute path with every link followed: realpath of its longest existing prefix, then the rest as given.
    static func canonical(_ path: String) -> String {
        var head = absolutePath(path), tail: [String] = []
        while head != "/" && !head.isEmpty {
            if let real = realpath(head, nil) {
                defer { free(real) }
                let base = String(cString: real)
                return tail.isEmpty ? base : (base == "/" ? "" : base) + "/" + tail.reversed().joined(separator: "/")
            }
            tail.append((head as NSString).lastPathComponent)
            head = (head as NSString).deletingLastPathComponent
        }
        return "/" + tail.reversed().joined(separator: "/")
    }
}

/// `path` made absolute against the working directory, with "." components and repeated slashes removed. ".."
/// stays: removing it as text would step over a symbolic link the kernel follows.
public func absolutePath(_ path: String) -> String {
    let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    return "/" + full.split(separator: "/").filter { $0 != "." }.joined(separator: "/")
}
