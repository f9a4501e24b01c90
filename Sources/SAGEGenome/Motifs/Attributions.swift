import Foundation

/// A directory of per-region attributions, in SAGE-net's layout (`save_ref_attribs`, SAGENET-REFERENCE §4.1), which
/// `sage-mpi attribute` writes:
///
///     DIR/per_region_attribs/{region_id}.npy                  r-SAGE-net (one output)
///     DIR/output_idx_0/per_region_attribs/{region_id}.npy     p-SAGE-net, mean head (head 0)
///     DIR/output_idx_1/per_region_attribs/{region_id}.npy     p-SAGE-net, difference head (head 1)
///
/// Each file is float32 (or float64) of shape (4, L) or SAGE-net's (1, 4, L), L = input_len: the attribution of the
/// model's input for that region, channels A, C, G, T, in model coordinates (the window around the region's centre,
/// reverse-complemented for a minus-strand region when allow_reverse_complement, N-padded at the end).
public struct AttributionDirectory: Sendable {
    public let root: String
    /// The p-SAGE-net head read (output_idx_{head}), nil for the single-output layout.
    public let head: Int?
    /// The directory holding the {region_id}.npy files.
    public let regionDirectory: String

    /// Finds the layout under `root`: with `head`, DIR/output_idx_{head}/per_region_attribs; without, the
    /// single-output DIR/per_region_attribs. A p-SAGE-net directory without `head`, or a missing directory, is one
    /// error saying what to pass.
    public init(root: String, head: Int?) throws {
        func isDirectory(_ p: String) -> Bool {
            var d: ObjCBool = false
            return FileManager.default.fileExists(atPath: p, isDirectory: &d) && d.boolValue
        }
        func join(_ parts: String...) -> String { parts.reduce(root) { ($0 as NSString).appendingPathComponent($1) } }
        guard isDirectory(root) else { throw GenomeError("\(root): no such attribution directory") }
        let heads = [0, 1].filter { isDirectory(join("output_idx_\($0)", "per_region_attribs")) }
        if let head {
            guard head == 0 || head == 1 else { throw GenomeError("head \(head): p-SAGE-net has heads 0 (mean) and 1 (difference)") }
            let dir = join("output_idx_\(head)", "per_region_attribs")
            guard isDirectory(dir) else {
                let has = isDirectory(join("per_region_attribs")) ? "; it has the single-output layout per_region_attribs/: drop --head" : ""
                throw GenomeError("\(root): no output_idx_\(head)/per_region_attribs/ (the p-SAGE-net layout)\(has)")
            }
            self.init(root: root, head: head, regionDirectory: dir)
            return
        }
        let single = join("per_region_attribs")
        if isDirectory(single) { self.init(root: root, head: nil, regionDirectory: single); return }
        if !heads.isEmpty {
            throw GenomeError("\(root): p-SAGE-net layout (output_idx_\(heads.map(String.init).joined(separator: ", output_idx_"))/per_region_attribs/): choose a head with --head 0 (mean) or --head 1 (difference)")
        }
        throw GenomeError("\(root): neither per_region_attribs/ nor output_idx_0|1/per_region_attribs/; is it an attribution directory (sage-mpi attribute, SAGE-net's save_ref_attribs)?")
    }

    private init(root: String, head: Int?, regionDirectory: String) {
        self.root = root; self.head = head; self.regionDirectory = regionDirectory
    }

    /// Which layout was read, for messages.
    public var layout: String {
        head.map { "p-SAGE-net head \($0) (output_idx_\($0)/per_region_attribs)" } ?? "single output (per_region_attribs)"
    }

    public func path(of regionID: String) -> String { (regionDirectory as NSString).appendingPathComponent(regionID + ".npy") }

    /// The (4, L) attribution of a region, channel-major A, C, G, T, as float32. A missing file, another shape, or a
    /// non-finite value is one GenomeError naming the file.
    public func read(regionID: String, inputLen L: Int) throws -> [Float] {
        let file = path(of: regionID)
        guard FileManager.default.fileExists(atPath: file) else {
            throw GenomeError("\(file): no such file: the attribution directory has none for region '\(regionID)' (write it with `sage-mpi attribute`, or choose the regions with --regions)")
        }
        let array = try NPY.read(path: file)
        guard array.shape == [4, L] || array.shape == [1, 4, L] else {
            throw GenomeError("\(file): shape (\(array.shape.map(String.init).joined(separator: ", "))); an attribution is (4, \(L)) or (1, 4, \(L)): channels A, C, G, T by input_len \(L) of the configuration")
        }
        let values: [Float]
        switch array.values {
        case .float32(let v): values = v
        case .float64(let v): values = v.map { Float($0) }
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw GenomeError("\(file): value \(values[bad]) at channel \(Array("ACGT")[bad / L]), position \(bad % L); attributions must be finite")
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
        let c: Int
        switch base | 0x20 {
        case UInt8(ascii: "a"): c = 0
        case UInt8(ascii: "c"): c = 1
        case UInt8(ascii: "g"): c = 2
        case UInt8(ascii: "t"): c = 3
        default: continue
        }
        var v = attribution[c * L + t]
        if zeroCenter {
            let sum = ((attribution[t] + attribution[L + t]) + attribution[2 * L + t]) + attribution[3 * L + t]
            v -= sum / 4
        }
        out[t] = v
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
