import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A read-only memory map of a whole file (shared pages: every rank on a node maps the same page cache).
/// Unmapped in deinit; pointers into it are valid while the object lives.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let base: UnsafeRawPointer
    public let count: Int

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GenomeError("\(path): cannot open (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw GenomeError("\(path): cannot stat (\(String(cString: strerror(errno))))") }
        count = Int(info.st_size)
        if count == 0 {
            base = UnsafeRawPointer(UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8))
            return
        }
        guard let p = mmap(nil, count, PROT_READ, MAP_SHARED, fd, 0), p != MAP_FAILED else {
            throw GenomeError("\(path): cannot memory-map (\(String(cString: strerror(errno))))")
        }
        base = UnsafeRawPointer(p)
    }

    deinit {
        if count == 0 { UnsafeMutableRawPointer(mutating: base).deallocate() } else { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }
}
