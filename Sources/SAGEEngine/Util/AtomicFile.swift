import Foundation

/// Writes output files so that nothing half-written is ever left under the final name.
public enum AtomicFile {
    /// Regular files (or new ones) are written to a temporary name beside `path` and renamed over it. A symbolic
    /// link is followed: its final target is replaced the same way (completely, never in place), and the link
    /// stays. An existing non-regular file (/dev/stdout, /dev/null, a FIFO) is written in place, since renaming
    /// would replace it. Errors name the path and the reason (permission, no space, no directory).
    public static func write(_ data: Data, to path: String) throws {
        let target = resolvingLinks(path)
        var info = stat()
        let exists = stat(target, &info) == 0
        if exists && (info.st_mode & S_IFMT) != S_IFREG {
            guard let handle = FileHandle(forWritingAtPath: target) else { throw OutputError(path, "cannot open for writing", errno) }
            defer { try? handle.close() }
            do { try handle.write(contentsOf: data) } catch { throw OutputError(path, "cannot write", errno) }
            return
        }
        let directory = (target as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/." + (target as NSString).lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw OutputError(path, "cannot create a file in \(directory.isEmpty ? "." : directory)", errno) }
        var failure: Int32 = 0
        data.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 { if errno == EINTR { continue }; failure = errno; return }
                done += n
            }
        }
        if failure == 0 && exists && fchmod(fd, info.st_mode & 0o7777) != 0 { failure = errno }  // a replaced file keeps its mode
        if failure == 0 && fsync(fd) != 0 && errno != EINVAL { failure = errno }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure == 0 && rename(temporary, target) != 0 { failure = errno }
        if failure != 0 {
            unlink(temporary)
            throw OutputError(path, "cannot write", failure)
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
