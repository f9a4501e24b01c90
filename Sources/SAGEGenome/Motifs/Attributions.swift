import Foundation

/// Reads one tensor of a safetensors file as float32: (file, tensor name) -> (shape, values). SAGEGenome does not
/// read safetensors itself; `sage-mpi seqlets` passes SAGEEngine's reader (`AttributionPartReader`).
public typealias AttributionTensorReader = @Sendable (_ file: String, _ tensor: String) throws -> (shape: [Int], values: [Float])

/// A directory of per-region attributions, in SAGE-net's layout (`save_ref_attribs`, SAGENET-REFERENCE §4.1):
///
///     DIR/per_region_attribs/{region_id}.npy                  r-SAGE-net (one output)
///     DIR/output_idx_0/per_region_attribs/{region_id}.npy     p-SAGE-net, mean head (head 0)
///     DIR/output_idx_1/per_region_attribs/{region_id}.npy     p-SAGE-net, difference head (head 1)
///
/// or in the layout `sage-mpi attribute` writes, the same with index.csv and part-*.safetensors in place of
/// per_region_attribs/ (DIR/index.csv, DIR/output_idx_{0,1}/index.csv): each region's tensor is found through the
/// index's row for it (region_id, individual empty, file beside the index, tensor name).
///
/// Each attribution is float32 (or float64; float16 in safetensors) of shape (4, L) or SAGE-net's (1, 4, L), L =
/// input_len: the attribution of the model's input for that region, channels A, C, G, T, in model coordinates (the
/// window around the region's centre, reverse-complemented for a minus-strand region when allow_reverse_complement,
/// N-padded at the end).
public struct AttributionDirectory: Sendable {
    public let root: String
    /// The p-SAGE-net head read (output_idx_{head}), nil for the single-output layout.
    public let head: Int?
    /// The directory holding the {region_id}.npy files, or index.csv and its parts.
    public let regionDirectory: String
    /// The index layout: region id -> (part file, tensor name); nil for the npy layout.
    private let index: [String: IndexedTensor]?
    private let readTensor: AttributionTensorReader?

    struct IndexedTensor: Sendable { let file: String, tensor: String }

    /// Finds the layout under `root`: with `head`, DIR/output_idx_{head}/; without, the single-output DIR/; in each
    /// per_region_attribs/ (npy) or else index.csv (read with `readTensor`). A p-SAGE-net directory without `head`, or
    /// a missing directory, is one error saying what to pass.
    public init(root: String, head: Int?, readTensor: AttributionTensorReader? = nil) throws {
        func isDirectory(_ p: String) -> Bool {
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: p, isDirectory: &d) && d.boolValue
        }
        func join(_ parts: String...) -> String { parts.reduce(root) { ($0 as NSString).appendingPathComponent($1) } }
        func holds(_ dir: String) -> Bool {
            isDirectory((dir as NSString).appendingPathComponent("per_region_attribs"))
                || FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent("index.csv"))
        }
        guard isDirectory(root) else { throw GenomeError("\(root): no such attribution directory") }
        let heads = [0, 1].filter { holds(join("output_idx_\($0)")) }
        let base: String
        if let head {
            guard head == 0 || head == 1 else { throw GenomeError("head \(head): p-SAGE-net has heads 0 (mean) and 1 (difference)") }
            base = join("output_idx_\(head)")
            guard holds(base) else {
                let has = holds(root) ? "; it has the single-output layout (per_region_attribs/ or index.csv): drop --head" : ""
                throw GenomeError("\(root): no output_idx_\(head)/per_region_attribs/ nor output_idx_\(head)/index.csv (the p-SAGE-net layout)\(has)")
            }
        } else if holds(root) {
            base = root
        } else if !heads.isEmpty {
            throw GenomeError("\(root): p-SAGE-net layout (output_idx_\(heads.map(String.init).joined(separator: ", output_idx_"))/): choose a head with --head 0 (mean) or --head 1 (difference)")
        } else {
            throw GenomeError("\(root): neither per_region_attribs/ nor index.csv nor output_idx_0|1/; is it an attribution directory (sage-mpi attribute, SAGE-net's save_ref_attribs)?")
        }
        let npy = (base as NSString).appendingPathComponent("per_region_attribs")
        if isDirectory(npy) {
            self.init(root: root, head: head, regionDirectory: npy, index: nil, readTensor: nil)
        } else {
            guard let readTensor else { throw GenomeError("\(base): an index.csv layout needs a safetensors reader") }
            self.init(root: root, head: head, regionDirectory: base, index: try Self.readIndex(base), readTensor: readTensor)
        }
    }

    private init(root: String, head: Int?, regionDirectory: String, index: [String: IndexedTensor]?, readTensor: AttributionTensorReader?) {
        self.root = root; self.head = head; self.regionDirectory = regionDirectory; self.index = index; self.readTensor = readTensor
    }

    /// The reference rows (empty individual) of DIR/index.csv: region id -> its part file and tensor.
    private static func readIndex(_ directory: String) throws -> [String: IndexedTensor] {
        let path = (directory as NSString).appendingPathComponent("index.csv")
        let table = try TextTable(path: path, what: "attribution index")
        let need = ["region_id", "individual", "file", "tensor"]
        let columns = try need.map { name in
            guard let c = table.header.firstIndex(of: name) else {
                throw GenomeError("\(path): no \(name) column (the header must have \(need.joined(separator: ", ")), as `sage-mpi attribute` writes)")
            }
            return c
        }
        var index: [String: IndexedTensor] = [:]
        for row in table.rows {
            guard row.fields.count == table.header.count else {
                throw GenomeError("\(path):\(row.line): \(row.fields.count) fields, the header has \(table.header.count)")
            }
            let f = columns.map { row.fields[$0] }
            guard f[1].isEmpty else { continue }  // a per-individual tensor
            guard index[f[0]] == nil else { throw GenomeError("\(path):\(row.line): region '\(f[0])' has a second row") }
            index[f[0]] = IndexedTensor(file: (directory as NSString).appendingPathComponent(f[2]), tensor: f[3])
        }
        return index
    }

    /// Which layout was read, for messages.
    public var layout: String {
        let files = index == nil ? "per_region_attribs" : "index.csv"
        return head.map { "p-SAGE-net head \($0) (output_idx_\($0)/\(files))" } ?? "single output (\(files))"
    }

    public func path(of regionID: String) -> String { (regionDirectory as NSString).appendingPathComponent(regionID + ".npy") }

    /// The (4, L) attribution of a region, channel-major A, C, G, T, as float32. A missing file or row, another
    /// shape, or a non-finite value is one GenomeError naming the file.
    public func read(regionID: String, inputLen L: Int) throws -> [Float] {
        let source: String, shape: [Int], values: [Float]
        if let index, let readTensor {
            guard let entry = index[regionID] else {
                let file = (regionDirectory as NSString).appendingPathComponent("index.csv")
                if index.isEmpty { throw GenomeError("\(file): no reference attributions, only per-individual ones (attribute --individuals); write the reference's with `sage-mpi attribute` without --individuals") }
                throw GenomeError("\(file): no row for region '\(regionID)' (write it with `sage-mpi attribute`, or choose the regions with --regions)")
            }
            source = "\(entry.file) tensor '\(entry.tensor)'"
            (shape, values) = try readTensor(entry.file, entry.tensor)
        } else {
            source = path(of: regionID)
            guard FileManager.default.fileExists(atPath: source) else {
                throw GenomeError("\(source): no such file: the attribution directory has none for region '\(regionID)' (write it with `sage-mpi attribute`, or choose the regions with --regions)")
            }
            let array = try NPY.read(path: source)
            shape = array.shape
            switch array.values {
            case .float32(let v): values = v
            case .float64(let v): values = v.map { Float($0) }
            }
        }
        guard shape == [4, L] || shape == [1, 4, L] else {
            throw GenomeError("\(source): shape (\(shape.map(String.init).joined(separator: ", "))); an attribution is (4, \(L)) or (1, 4, \(L)): channels A, C, G, T by input_len \(L) of the configuration")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw GenomeError("\(source): value \(values[bad]) at channel \(Array("ACGT")[bad / L]), position \(bad % L); attributions must be finite")
        }
        return values
    }
}

/// SAGE-net's projection of an attribution onto the reference (`identify_seqlets`): at each model position t, the
/// attribution of the reference base's channel, optionally after zero-centring (subtracting the mean of the four
/// channels at t, in float32 as numpy). N, other codes and the padding past the sequence's end give 0.
/// `attribution` is (4, L) channel-major A, C, G, T; `sequence` the model sequence (at most L bases).
public func projectAttribution(_ attribution: [Float], onto sequence: [UInt8], length L: Int, zeroCenter: Bool) -> [Float] {
    precondition(attribution.count == 4 * L && sequence.count <= L, "projectAttribution: shapes")
    var out = [Float](repeating: 0, count: L)
    for (t, base) in sequence.enumerated() {
        if let p = projectedValue(attribution, length: L, at: t, base: base, zeroCenter: zeroCenter) { out[t] = p.value }
    }
    return out
}

/// Genome coordinates of model positions [start, end) of a region whose reference window is `window` (0-based
/// half-open on its contig; the model sequence is that window, reversed when `reversed`, then N-padded), as a 1-based
/// inclusive [first, last], clipped to the window; nil when the span lies entirely in the padding.
public func genomeSpan(start: Int, end: Int, window: Range<Int>, reversed: Bool) -> (first: Int, last: Int)? {
    let n = window.count, e = min(end, n)
    guard start < e else { return nil }
    if reversed { return (window.lowerBound + n - e + 1, window.lowerBound + n - start) }
    return (window.lowerBound + start + 1, window.lowerBound + e)
}

/// `base`'s channel (A, C, G, T = 0...3) and its attribution at position t (nil for N and other codes), minus the mean
/// of the four channels at t with `zeroCenter` (summed in numpy's order, float32). `attribution` is (4, L)
/// channel-major A, C, G, T.
@inline(__always)
func projectedValue(_ attribution: [Float], length L: Int, at t: Int, base: UInt8, zeroCenter: Bool) -> (channel: Int, value: Float)? {
    let c: Int
    switch base | 0x20 {
    case UInt8(ascii: "a"): c = 0
    case UInt8(ascii: "c"): c = 1
    case UInt8(ascii: "g"): c = 2
    case UInt8(ascii: "t"): c = 3
    default: return nil
    }
    var v = attribution[c * L + t]
    if zeroCenter {
        let sum = ((attribution[t] + attribution[L + t]) + attribution[2 * L + t]) + attribution[3 * L + t]
        v -= sum / 4
    }
    return (c, v)
}
