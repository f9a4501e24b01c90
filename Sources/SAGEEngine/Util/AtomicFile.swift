import Foundation

/// Writes output files so that nothing half-written is ever left under the final name.
public enum AtomicFile {
    /// Regular files (or new ones) are written to a temporary name beside `path` and renamed over it; an existing
    /// non-regular file (/dev/stdout, /dev/null, a FIFO) is written in place, since renaming would replace it.
    public static func write(_ data: Data, to path: String) throws {
        let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType
        if let type, type != .typeRegular {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            try handle.write(contentsOf: data)
        } else {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        }
    }
}
