import Foundation
import SAGEDistributed
import SAGEEngine

/// The files `sage-mpi attribute` writes, readable without sage-mpi (safetensors + CSV):
///
///     DIR/attribute.json                      the settings (checkpoint, model, method, zero_center, heads, counts)
///     DIR/index.csv, DIR/part-00000.safetensors, ...                    r-SAGE-net (one head)
///     DIR/output_idx_0/index.csv, DIR/output_idx_0/part-*.safetensors   p-SAGE-net mean head (out0)
///     DIR/output_idx_1/index.csv, DIR/output_idx_1/part-*.safetensors   p-SAGE-net difference head (out1)
///
/// One tensor per region (per individual: per region and individual), named by region id ("region_id|individual"
/// per individual), float32 or float16, shape (H, 4, L): H = 1 for the reference (SAGE-net's (1, 4, L)), 2 for an
/// individual's haplotypes (maternal, paternal); channels A, C, G, T; positions in model coordinates (the window
/// reverse-complemented on the minus strand when allow_reverse_complement, N-padded at the end). The items (regions
/// in the order selected; per individual region-major) are cut into fixed parts of `tensorsPerPart` consecutive
/// items, part p in part-{p, 5 digits}.safetensors, whichever rank computes it: the files do not depend on the
/// number of ranks. index.csv (one row per tensor, in item order): region_id, individual (empty for the reference),
/// file (beside index.csv), tensor, shape ("1x4xL"), chr (the regions table's), strand ('-' when the model reads the reverse complement,
/// else '+'), window_start, window_end (the reference window, 1-based inclusive genome coordinates; model position
/// 0 is window_start on '+', window_end on '-'; positions past the window are padding).
public enum AttributionLayout {
    public static let indexName = "index.csv"
    public static let settingsName = "attribute.json"
    public static let indexHeader = "region_id,individual,file,tensor,shape,chr,strand,window_start,window_end"

    public static func partName(_ p: Int) -> String { "part-" + String(repeating: "0", count: max(0, 5 - String(p).count)) + String(p) + ".safetensors" }

    /// The default part size: at most 256 tensors and about 64 MiB per file.
    public static func tensorsPerPart(bytesPerTensor: Int) -> Int { max(1, min(256, (64 << 20) / max(1, bytesPerTensor))) }

    /// Whether `attribute` wrote `name` at the top of its directory (what StagedDirectory may replace).
    public static func owns(_ name: String) -> Bool {
        name == indexName || name == settingsName || name == "output_idx_0" || name == "output_idx_1"
            || isPartName(name)
    }

    /// Whether `name` is a part file's name (`partName`'s form).
    public static func isPartName(_ name: String) -> Bool { name.hasPrefix("part-") && name.hasSuffix(".safetensors") }

    /// The subdirectory of a head: "" for r-SAGE-net, output_idx_{0,1} for p-SAGE-net (SAGE-net's names).
    public static func subdirectory(head: OutputHead, model: SAGEConfig.Kind) -> String {
        model == .psagenet ? "output_idx_\(head.rawValue)" : ""
    }
}

/// One tensor of a part: its name, index row fields and values (H * 4 * L).
struct AttributionTensor {
    let name: String
    let regionID: String, individual: String
    let shape: [Int]
    let values: [Float]
    /// chr, strand, window_start, window_end, already CSV-formatted.
    let place: String
}

extension AttributionLayout {
    /// Writes part `p` of one head into `directory` and returns its index rows.
    static func write(part p: Int, tensors: [AttributionTensor], float16: Bool, metadata: [String: String], into directory: String) throws -> String {
        let name = try writePart(p, tensors: tensors.map { ($0.name, $0.shape, $0.values) }, float16: float16, metadata: metadata, into: directory)
        return tensors.map { t in
            "\(indexField(t.regionID)),\(indexField(t.individual)),\(name),\(indexField(t.name)),\(t.shape.map(String.init).joined(separator: "x")),\(t.place)\n"
        }.joined()
    }

    /// Writes `tensors` (name, shape, values: shape's product floats) in order as part `p`, `partName(p)` in
    /// `directory` (atomically), float32 or float16; returns the file's name. `attribute`'s and `ism`'s part files.
    static func writePart(_ p: Int, tensors: [(name: String, shape: [Int], values: [Float])], float16: Bool,
                          metadata: [String: String], into directory: String) throws -> String {
        var file = SafeTensors()
        file.metadata = metadata
        for t in tensors {
            if float16 { file.add(t.name, float16: t.values, shape: t.shape) } else { file.add(t.name, floats: t.values, shape: t.shape) }
        }
        let name = partName(p)
        try file.write(path: (directory as NSString).appendingPathComponent(name))
        return name
    }

    /// `count` items cut into consecutive parts of `perPart` (the last one shorter): part p is the p-th range.
    static func parts(of count: Int, perPart: Int) -> [Range<Int>] {
        stride(from: 0, to: count, by: perPart).map { $0..<min($0 + perPart, count) }
    }
}

/// A CSV field of the index, quoted when it holds a comma, quote or line break.
func indexField(_ s: String) -> String {
    s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
}
