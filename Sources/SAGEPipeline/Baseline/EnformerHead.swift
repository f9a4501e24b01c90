import Foundation
import SAGEGenome

/// SAGE-net's Enformer constants and `predict_on_batch` arithmetic (SAGENET-REFERENCE §5.1) on saved
/// `all_tracks` outputs: one block per sequence of (bins 3, tracks 5313) float32 values p[b, t] = Enformer's human
/// head at the three centre bins 447-449. Natural logs (log1p), in Double: NumPy's float32 `np.log(p + 1)` to ~1e-7.
public enum EnformerTracks {
    /// Tracks of Enformer's human head.
    public static let count = 5313
    /// Centre bins SAGE-net keeps (447, 448, 449).
    public static let bins = 3
    /// "CAGE:brain, adult", SAGE-net's `TRACK_IDX` (`only_brain`).
    public static let cageBrain = 4980

    /// Values in one (3, 5313) C-order block of a file: block k = the k-th sequence (individual).
    public static let blockSize = bins * count

    /// The head's input: Σ_b ln(p[b, t] + 1) for each track t of block `block` of `values`.
    public static func features(_ values: [Double], block: Int) -> [Double] {
        var f = [Double](repeating: 0, count: count)
        let base = block * blockSize
        for b in 0..<bins { for t in 0..<count { f[t] += log1p(values[base + b * count + t]) } }
        return f
    }

    /// `only_brain`: Σ_b ln(p[b, 4980] + 1) of block `block` of `values`.
    public static func cage(_ values: [Double], block: Int) -> Double {
        (0..<bins).reduce(0.0) { $0 + log1p(values[block * blockSize + $1 * count + cageBrain]) }
    }
}

/// A linear head on the 5313 track features, as SAGE-net's `finetuned` mode: coef · features + intercept.
/// Stored as SAGE-net ships it (`coef.npy` float64 (5313,), `intercept.npy` float64 0-d).
public struct EnformerHead: Sendable, Equatable {
    public let coef: [Double]
    public let intercept: Double
    /// Tracks with a non-zero weight (640 of 5313 in SAGE-net's head): the only ones a prediction reads.
    let used: [Int]

    public init(coef: [Double], intercept: Double) {
        precondition(coef.count == EnformerTracks.count, "EnformerHead: \(coef.count) coefficients, not \(EnformerTracks.count)")
        self.coef = coef
        self.intercept = intercept
        used = coef.indices.filter { coef[$0] != 0 }
    }

    /// intercept + Σ_t coef[t] · Σ_b ln(p[b, t] + 1) on block `block` of a file's values (as
    /// `EnformerTracks.features`, in the same order of additions), reading only the used tracks.
    public func predict(_ values: [Double], block: Int) -> Double {
        let base = block * EnformerTracks.blockSize, count = EnformerTracks.count
        return used.reduce(intercept) { y, t in
            y + coef[t] * (log1p(values[base + t]) + log1p(values[base + count + t]) + log1p(values[base + 2 * count + t]))
        }
    }

    /// Reads `coef.npy` ((5313,), float32 or float64) and `intercept.npy` (0-d, or one value); errors name the file.
    public init(coefPath: String, interceptPath: String) throws {
        let c = try NPY.read(path: coefPath), i = try NPY.read(path: interceptPath)
        guard c.shape == [EnformerTracks.count] else {
            throw GenomeError("\(coefPath): shape \(NPY.shapeText(c.shape)), a head's coef.npy has shape (\(EnformerTracks.count),) (one weight per track of Enformer's human head)")
        }
        guard i.count == 1, i.shape.count <= 1 else {
            throw GenomeError("\(interceptPath): shape \(NPY.shapeText(i.shape)), a head's intercept.npy holds one value (shape ())")
        }
        let coef = c.doubles, intercept = i.doubles[0]
        if let t = coef.firstIndex(where: { !$0.isFinite }) { throw GenomeError("\(coefPath): coefficient \(t) is \(coef[t]); a head's weights must be finite") }
        guard intercept.isFinite else { throw GenomeError("\(interceptPath): the intercept is \(intercept); it must be finite") }
        self.init(coef: coef, intercept: intercept)
    }

    /// The two files, as SAGE-net's `finetune_enformer.py` writes them.
    public var files: (coef: Data, intercept: Data) {
        (NPY.encode(NPYArray(shape: [EnformerTracks.count], values: .float64(coef))),
         NPY.encode(NPYArray(shape: [], values: .float64([intercept]))))
    }
}
