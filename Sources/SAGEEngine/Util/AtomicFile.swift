import Foundation

/// Writes output files so that nothing half-written is ever left under the final name.
public enum AtomicFile {
    /// Regular files (or new ones) are written to a temporary name beside `path` and renamed over it. A symbolic
    /// link is followed: its final target is replaced the same way (completely, never in place), and the link
    /// stays. What is not a regular file (a FIFO, a pipe), and anything under /dev or /proc (/dev/stdout, which
    /// may lead to a pipe or to a file a shell opened with `>>`), is written in place, since renaming would
    /// replace it. Errors name the path and the reason (permission, no space, no directory).
    public static func write(_ data: Data, to path: String) throws {
        var info = stat()
        let exists = stat(path, &info) == 0  // follows every link
        if let fd = inheritedDescriptor(path) {  // the process's own stream: as the shell opened it (>> appends)
            let failure = writeAll(fd, data)
            if failure != 0 { throw OutputError(path, "cannot write", failure) }
            return
        }
        if exists && ((info.st_mode & S_IFMT) != S_IFREG || path.hasPrefix("/dev/") || path.hasPrefix("/proc/")) {
            let fd = open(path, O_WRONLY | O_CLOEXEC)
            guard fd >= 0 else { throw OutputError(path, "cannot open for writing", errno) }
            let failure = writeAll(fd, data)
            close(fd)
            if failure != 0 { throw OutputError(path, "cannot write", failure) }
            return
        }
        let target = resolvingLinks(path)
        let directory = (target as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/." + (target as NSString).lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)  // less the umask, as any new file
        guard fd >= 0 else { throw OutputError(path, "cannot create a file in \(directory.isEmpty ? "." : directory)", errno) }
        var failure = writeAll(fd, data)
        if failure == 0 && exists && fchmod(fd, info.st_mode & 0o7777) != 0 { failure = errno }  // a replaced file keeps its mode
        if failure == 0 && fsync(fd) != 0 && errno != EINVAL { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, target) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw OutputError(path, "cannot write", failure)
        }
    }

    /// The descriptor a path names when it is one of this process's open streams: /dev/stdout, /dev/stderr,
    /// /dev/fd/N, /proc/self/fd/N (reopening those would start a new file offset and lose O_APPEND).
    static func inheritedDescriptor(_ path: String) -> Int32? {
        switch path {
        case "/dev/stdout": return 1
        case "/dev/stderr": return 2
        default:
            for prefix in ["/dev/fd/", "/proc/self/fd/"] where path.hasPrefix(prefix) { return Int32(path.dropFirst(prefix.count)) }
            return nil
        }
    }

    /// Writes every byte (retrying short writes and EINTR); 0 or the errno of the failure.
    static func writeAll(_ fd: Int32, _ data: Data) -> Int32 {
        data.withUnsafeBytes { raw -> Int32 in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 { if errno == EINTR { continue }; return errno }
                done += n
            }
            return 0
        }
    }

    /// `path` with every symbolic link along it followed (a dangling final link: its target path).
    public static func resolvingLinks(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {  // as the kernel's limit on nested links
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let n = readlink(current, &buffer, buffer.count - 1)
            guard n > 0 else { break }
            let link = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = link.hasPrefix("/") ? link : ((current as NSString).deletingLastPathComponent as NSString).appendingPathComponent(link)
        }
        return current
    }
}

/// An output that could not be written: the path and the system's reason, in one line.
public struct OutputError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ path: String, _ what: String, _ code: Int32) {
        description = "\(path): \(what): \(String(cString: strerror(code)))"
    }
    public init(_ description: String) { self.description = description }
}

/// One line for a Foundation file error ("<path>: <reason>", the POSIX reason when there is one) instead of its
/// NSError dump; nil for any other error.
public func fileErrorDescription(_ error: any Error) -> String? {
    guard let cocoa = error as? CocoaError else { return nil }
    let info = (cocoa as NSError).userInfo
    let path = (info[NSFilePathErrorKey] as? String) ?? (info[NSURLErrorKey] as? URL)?.path
    let reason: String
    if let underlying = info[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
        reason = String(cString: strerror(Int32(underlying.code)))
    } else {
        reason = (cocoa as NSError).localizedDescription.replacingOccurrences(of: "The operation could not be completed. ", with: "")
    }
    return path.map { "\($0): \(reason)" } ?? reason
}
