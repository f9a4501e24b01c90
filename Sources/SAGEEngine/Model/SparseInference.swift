import Foundation

// Variant-sparse exact inference in evaluation mode: score haplotypes that differ from one reference window in a
// few places by recomputing only the stem columns their edits change.
//
// The trunk's stem, up to the first pooling, is conv0 (4 -> F1, k0) and convlayers.0 ([BN] -> conv F1 -> F, k1),
// both "same", dilation 1, no residual, 94% of the FLOPs at the paper's size. Per reference (a region's window) the
// stem is computed once and kept, (F, L). Per haplotype, `findColumnRuns` splits the L output columns into runs
// copied from the reference (at a shift, for indels) and dirty runs; dirty columns are computed as
//   conv0: a sum of k0 gathered columns of a per-base table T[k][class] = W0[:, :, k] . onehot(class) (batch norm on
//          the input, r-SAGE-net's, folded in), + bias, ReLU; then convlayers.0's batch norm (eval: affine per channel);
//   convlayers.0: one GEMM (F, k1*F1) x (k1*F1, n) over the patches of the dirty columns of many haplotypes.
// The haplotype's stem is then assembled one channel row at a time (copied runs + dirty columns), pooled, and the
// rest of the trunk and the heads run densely on the pooled (F, L/p) rows. pSAGE-net's reference branch is the
// kept reference's features. Exact up to float rounding (the sums run in another order than the dense kernels').
//
// Coordinates are the model's: bases as the model reads them (window, edits, truncation, reverse complement,
// N padding to L); a shift s means hap[t] = ref[t - s].

/// Haplotypes for `SparseInference.predict`, each `length` bases with its candidate shifts. pSAGE-net reads
/// items as pairs (haplotype 2b maternal, 2b + 1 paternal); r-SAGE-net scores each haplotype.
public final class HaplotypeBatch {
    public let capacity: Int, length: Int
    public private(set) var count = 0
    let bases: UnsafeMutablePointer<UInt8>
    var shifts: [[Int32]]

    public init(capacity: Int, length: Int) {
        precondition(capacity > 0 && length > 0, "HaplotypeBatch: empty")
        self.capacity = capacity
        self.length = length
        bases = .allocate(capacity: capacity * length)
        shifts = (0..<capacity).map { _ in [Int32]() }
    }
    deinit { bases.deallocate() }

    public func removeAll() { count = 0 }

    /// Adds one haplotype: `fill` writes its `length` bases and appends candidate shifts (0 is always tried; pass
    /// the cumulative length changes of its indels in model coordinates; any list gives exact results; with none,
    /// `predict` looks for them in the bases, `inferShifts`).
    public func append(_ fill: (UnsafeMutablePointer<UInt8>, inout [Int32]) -> Void) {
        precondition(count < capacity, "HaplotypeBatch: full (\(capacity))")
        shifts[count].removeAll(keepingCapacity: true)
        fill(bases + count * length, &shifts[count])
        count += 1
    }

    func haplotype(_ h: Int) -> UnsafePointer<UInt8> { UnsafePointer(bases + h * length) }
}

/// What the sparse path computed, summed over calls: for benchmarks and tests.
public struct SparseInferenceStats: Sendable, Equatable {
    public var references = 0, haplotypes = 0, dirtyColumns = 0, denseFallbacks = 0
    /// Multiply-adds x 2 performed (stem GEMMs and gathers, the dense rest of the trunk, the heads).
    public var flops = 0.0
    public init() {}
}

public final class SparseInference {
    public let model: SAGENet
    /// Haplotypes per `predict` call (pSAGE-net: twice the items).
    public let capacity: Int
    /// Above this fraction of dirty columns a haplotype is computed whole (no copying from the reference).
    public var denseFraction = 0.75
    public private(set) var stats = SparseInferenceStats()
    /// Test hook: shortens the span a copied column must match (> 0 must give wrong results).
    var narrowBy = 0

    let L: Int, F1: Int, F: Int, K0: Int, K1: Int, left0: Int, left1: Int, lo: Int, hi: Int
    let pooledLength: Int, poolSize: Int, poolType: PoolType, features: Int
    let tailStart = 3   // trunk ops: conv0, convlayers.0, the first pool, then the rest
    let conv0Table: FloatBuffer      // (K0, 6, F1): per tap and base class
    let conv0Bias: UnsafePointer<Float>
    let bnScale: FloatBuffer?, bnShift: FloatBuffer?   // convlayers.0's batch norm (F1), eval mode
    let packedW1: FloatBuffer        // (F, K1 * F1): packedW1[f, k * F1 + c] = W1[f, c, k]
    let bias1: UnsafePointer<Float>
    let dirtyCapacity: Int, chunkCapacity: Int
    let dirtyOut: FloatBuffer        // (F, dirtyCapacity): the dirty columns of a group of haplotypes, after ReLU
    let patches: FloatBuffer         // (chunkCapacity, K1 * F1): a patch per dirty column
    let stemInputs: FloatBuffer      // (chunkCapacity + K1 - 1, F1): convlayers.0's input columns of one piece
    let pooled: FloatBuffer          // (capacity, F, pooledLength)
    let tail: TrunkActivations
    let tailScratch: TrunkScratch
    let heads: HeadActivations
    let rowScratch: FloatBuffer      // (threads, L)
    let best: Int32Buffer            // (L)
    var runs: [ColumnRuns]
    var dirtyOffset: [Int]
    let reference: UnsafeMutablePointer<UInt8>
    let referenceStem: FloatBuffer   // (F, L)
    let referenceFeatures: FloatBuffer  // (D)
    var hasReference = false
    var customItems: [(reference: Int, maternal: Int, paternal: Int)]?
    let itemFeatures: FloatBuffer     // (3, capacity, D): staged head inputs of custom items
    let tailFLOPs: Double, headFLOPs: Double

    /// Builds the tables from `model`'s current parameters (load the checkpoint first). Throws for a model whose
    /// stem is not two conv blocks before a pooling (every SAGE-net configuration has that stem), or when the
    /// workspace (`estimatedBytes`) would not fit in `available` bytes.
    public init(model: SAGENet, capacity: Int, available: UInt64 = ProcessInfo.processInfo.physicalMemory) throws {
        let c = model.config, ops = model.trunk.ops
        guard ops.count >= 3, case .block(let b0) = ops[0], case .block(let b1) = ops[1], case .pool(_, _, let type, let size) = ops[2],
              b0.dilation == 1, b1.dilation == 1, !b0.residual, !b1.residual, b0.Cin == 4 else {
            throw SAGEConfigError("sparse inference needs the SAGE-net stem (conv0, convlayers.0, pooling)")
        }
        precondition(capacity > 0, "SparseInference: capacity must be positive")
        let estimate = Self.estimatedBytes(model: model, capacity: capacity)
        guard UInt64(estimate) <= available else {
            throw SAGEConfigError("variant-sparse inference of \(capacity) haplotypes per batch at input_len \(c.inputLen) would need about \(formatBytes(estimate)), more than the \(formatBytes(available)) of memory here; use a smaller --batch-size")
        }
        self.model = model
        self.capacity = capacity
        L = c.inputLen; F1 = b0.Cout; F = b1.Cout; K0 = b0.K; K1 = b1.K
        let s0 = b0.convShape(B: 1), s1 = b1.convShape(B: 1)
        left0 = s0.padLeft; left1 = s1.padLeft
        lo = s0.padLeft + s1.padLeft; hi = s0.padRight + s1.padRight
        poolSize = size; poolType = type
        pooledLength = SAGEEngine.pooledLength(L, size: size)
        features = model.trunk.outputWidth
        let store = model.store

        // conv0's table: T[k][class][o] = sum_c W0[o, c, k] * v(class)[c], v = the one-hot column of the class
        // (batch-normalised when conv0 has batch norm).
        conv0Table = FloatBuffer(count: K0 * 6 * F1)
        let w0 = store.p(b0.weight)
        for cls in 0..<6 {
            var v = sparseClassColumns[cls]
            if let bn = b0.bn {
                let eps = b0.bnShape(B: 1).eps
                for ch in 0..<4 {
                    let scale = store.p(bn.gamma)[ch] / (store.b(bn.runningVar)[ch] + eps).squareRoot()
                    v[ch] = v[ch] * scale + (store.p(bn.beta)[ch] - store.b(bn.runningMean)[ch] * scale)
                }
            }
            for k in 0..<K0 {
                let row = conv0Table.pointer + (k * 6 + cls) * F1
                for o in 0..<F1 {
                    var sum: Float = 0
                    for ch in 0..<4 { sum += w0[(o * 4 + ch) * K0 + k] * v[ch] }
                    row[o] = sum
                }
            }
        }
        conv0Bias = UnsafePointer(store.p(b0.bias))
        if let bn = b1.bn {
            let eps = b1.bnShape(B: 1).eps
            let scale = FloatBuffer(count: F1), shift = FloatBuffer(count: F1)
            for ch in 0..<F1 {
                scale[ch] = store.p(bn.gamma)[ch] / (store.b(bn.runningVar)[ch] + eps).squareRoot()
                shift[ch] = store.p(bn.beta)[ch] - store.b(bn.runningMean)[ch] * scale[ch]
            }
            bnScale = scale; bnShift = shift
        } else {
            bnScale = nil; bnShift = nil
        }
        packedW1 = FloatBuffer(count: F * K1 * F1)
        let w1 = store.p(b1.weight)
        for f in 0..<F { for ch in 0..<F1 { for k in 0..<K1 { packedW1[f * K1 * F1 + k * F1 + ch] = w1[(f * F1 + ch) * K1 + k] } } }
        bias1 = UnsafePointer(store.p(b1.bias))

        dirtyCapacity = L
        chunkCapacity = max(16, min(L, (8 << 20) / (K1 * F1)))
        dirtyOut = FloatBuffer(count: F * dirtyCapacity)
        patches = FloatBuffer(count: chunkCapacity * K1 * F1)
        stemInputs = FloatBuffer(count: (chunkCapacity + K1 - 1) * F1)
        pooled = FloatBuffer(count: capacity * F * pooledLength)
        tail = TrunkActivations(model.trunk, B: capacity, from: tailStart)
        tailScratch = TrunkScratch(model.trunk, B: capacity, training: false)
        heads = HeadActivations(model: model, B: capacity)
        itemFeatures = FloatBuffer(count: c.model == .psagenet ? 3 * capacity * model.trunk.outputWidth : 0)
        rowScratch = FloatBuffer(count: max(1, Parallel.threads) * L)
        best = Int32Buffer(count: L)
        runs = (0..<capacity).map { _ in ColumnRuns() }
        dirtyOffset = [Int](repeating: 0, count: capacity)
        reference = .allocate(capacity: L)
        reference.initialize(repeating: 0, count: L)
        referenceStem = FloatBuffer(count: F * L)
        referenceFeatures = FloatBuffer(count: features)
        var tailWork = 0.0
        for op in ops.dropFirst(tailStart) {
            if case .block(let l) = op { tailWork += l.convShape(B: 1).forwardFLOPs }
            if case .transformer(let l) = op { tailWork += l.forwardFLOPs(B: 1) }
        }
        tailFLOPs = tailWork
        headFLOPs = model.flops(batch: 1).forward - (ops.compactMap { op -> Double? in
            if case .block(let l) = op { return l.convShape(B: 1).forwardFLOPs }
            if case .transformer(let l) = op { return l.forwardFLOPs(B: 1) }
            return nil
        }.reduce(0, +) * Double(model.passes))
    }
    deinit { reference.deallocate() }

    /// Bytes a SparseInference of `capacity` haplotypes allocates (within a few %: the buffers of `init`; the model's
    /// own parameters not included), computed before anything is allocated.
    public static func estimatedBytes(model: SAGENet, capacity: Int) -> Int {
        let c = model.config, L = c.inputLen, F1 = c.firstLayerKernelNumber, F = c.intLayersKernelNumber
        let K0 = c.firstLayerKernelSize, K1 = c.intLayersKernelSize, Lp = c.pooledLengths[1], D = model.trunk.outputWidth
        let chunk = max(16, min(L, (8 << 20) / (K1 * F1)))
        var floats = K0 * 6 * F1 + F * K1 * F1 + 2 * F * L + chunk * K1 * F1 + (chunk + K1 - 1) * F1 + capacity * F * Lp
            + max(1, Parallel.threads) * L + D + (c.model == .psagenet ? 3 * capacity * D : 0)
            + model.trunk.maxColCount(parts: max(1, min(Parallel.threads, capacity)))
        for op in model.trunk.ops.dropFirst(3) {   // the tail's activations (as TrunkActivations)
            switch op {
            case .block(let l): floats += capacity * l.L * ((l.residual ? 2 : 1) * l.Cout + (l.bn == nil ? 0 : l.Cin))
            case .transformer(let l):   // layer norms, projections, feed-forward and three (heads, L, L) attention maps
                floats += capacity * l.d * l.L * 12 + 3 * capacity * c.intLayersKernelSize * l.L * l.L
            case .pool(let rows, let len, let type, let size):
                floats += (type == .max ? 2 : 1) * capacity * rows * SAGEEngine.pooledLength(len, size: size)
            }
        }
        return 4 * floats
    }

    /// Bytes this object holds (its buffers; the model's parameters not included).
    public var memoryBytes: Int {
        let floats = conv0Table.count + packedW1.count + dirtyOut.count + patches.count + stemInputs.count + pooled.count
            + rowScratch.count + referenceStem.count + referenceFeatures.count + tailScratch.col.count + itemFeatures.count
            + tail.ops.dropFirst(tailStart).reduce(0) { total, op in
                switch op {
                case .block(let a): total + a.reluOut.count + (a.out === a.reluOut ? 0 : a.out.count) + (a.bnOut?.count ?? 0)
                case .transformer(let a): total + a.out.count   // (its internals are not counted here)
                case .pool(let out, let argmax): total + out.count + (argmax?.count ?? 0)
                }
            }
        return 4 * floats + 4 * best.count + L
    }

    /// Multiply-adds x 2 of one dirty stem column: convlayers.0's patch product, plus conv0's gather.
    var stemFLOPsPerColumn: Double { 2 * Double(F * K1 * F1) + Double(K0 * F1 * K1) }

    /// Sets the window every later haplotype is compared with (L bases) and computes its stem and features.
    public func setReference(_ bases: UnsafePointer<UInt8>) {
        reference.update(from: bases, count: L)
        var all = ColumnRuns()
        all.setAllDirty(length: L)
        computeDirtyColumns(of: [(UnsafePointer(reference), all, 0)])
        Parallel.forEachRange(F, minimumPerThread: 8) { rows in
            for f in rows {
                (referenceStem.pointer + f * L).update(from: dirtyOut.pointer + f * dirtyCapacity, count: L)
                poolRow(UnsafePointer(referenceStem.pointer + f * L), into: pooled.pointer + f * pooledLength)
            }
        }
        referenceFeatures.pointer.update(from: runTail(count: 1), count: features)
        hasReference = true
        stats.references += 1
        stats.flops += Double(L) * stemFLOPsPerColumn + tailFLOPs
    }

    /// The reference's features (D) and, for r-SAGE-net, its prediction.
    public func referencePrediction() -> [Float] {
        precondition(hasReference, "SparseInference: set a reference first")
        let f = TrunkFeatures(reference: UnsafePointer(referenceFeatures.pointer), referenceStride: features,
                              maternal: UnsafePointer(referenceFeatures.pointer), paternal: UnsafePointer(referenceFeatures.pointer),
                              haplotypeStride: 0)
        return Array(model.forwardHeads(heads, features: f, B: 1, training: false))
    }

    /// Outputs for `batch` against the current reference: pSAGE-net (count / 2, 2) from pairs (maternal,
    /// paternal); r-SAGE-net (count, 1). Valid until the next call.
    public func predict(_ batch: HaplotypeBatch) -> UnsafeBufferPointer<Float> {
        precondition(hasReference, "SparseInference: set a reference first")
        precondition(batch.length == L && batch.count <= capacity && batch.count > 0, "SparseInference: batch of \(batch.count) x \(batch.length) for capacity \(capacity) x \(L)")
        let psagenet = model.config.model == .psagenet
        precondition(!psagenet || customItems != nil || batch.count % 2 == 0, "SparseInference: pSAGE-net reads haplotype pairs")
        let n = batch.count
        for h in 0..<n {
            if batch.shifts[h].isEmpty { inferShifts(hap: batch.haplotype(h), ref: reference, L: L, into: &batch.shifts[h]) }
            batch.shifts[h].withUnsafeBufferPointer { shifts in
                findColumnRuns(hap: batch.haplotype(h), ref: reference, L: L, lo: lo, hi: hi, shifts: shifts, best: best.pointer,
                               narrowBy: narrowBy, into: &runs[h])
            }
            if Double(runs[h].dirtyCount) > denseFraction * Double(L) {
                runs[h].setAllDirty(length: L)
                stats.denseFallbacks += 1
            }
            stats.dirtyColumns += runs[h].dirtyCount
            stats.flops += Double(runs[h].dirtyCount) * stemFLOPsPerColumn + tailFLOPs
        }
        stats.haplotypes += n
        // Groups of haplotypes whose dirty columns fit in `dirtyOut` (one always does: dirtyCapacity = L).
        var first = 0
        while first < n {
            var end = first, used = 0
            while end < n && (end == first || used + runs[end].dirtyCount <= dirtyCapacity) {
                dirtyOffset[end] = used
                used += runs[end].dirtyCount
                end += 1
            }
            computeDirtyColumns(of: (first..<end).map { (batch.haplotype($0), runs[$0], dirtyOffset[$0]) })
            for h in first..<end { assembleAndPool(h) }
            first = end
        }
        let out = runTail(count: n)
        guard psagenet else {
            stats.flops += headFLOPs * Double(n)
            return model.forwardHeads(heads, features: TrunkFeatures(reference: out, referenceStride: features, maternal: nil,
                                                                     paternal: nil, haplotypeStride: features), B: n, training: false)
        }
        if let items = customItems {
            // Rows of each item's reference, maternal and paternal features (-1: the kept reference) staged in order.
            let D = features, stage = itemFeatures.pointer, m = items.count
            for (b, item) in items.enumerated() {
                for (k, h) in [item.reference, item.maternal, item.paternal].enumerated() {
                    (stage + (k * m + b) * D).update(from: h < 0 ? UnsafePointer(referenceFeatures.pointer) : out + h * D, count: D)
                }
            }
            stats.flops += headFLOPs * Double(m)
            return model.forwardHeads(heads, features: TrunkFeatures(reference: UnsafePointer(stage), referenceStride: D,
                                                                     maternal: UnsafePointer(stage + m * D), paternal: UnsafePointer(stage + 2 * m * D),
                                                                     haplotypeStride: D), B: m, training: false)
        }
        stats.flops += headFLOPs * Double(n / 2)
        return model.forwardHeads(heads, features: TrunkFeatures(reference: UnsafePointer(referenceFeatures.pointer), referenceStride: 0,
                                                                 maternal: out, paternal: out + features, haplotypeStride: 2 * features),
                                  B: n / 2, training: false)
    }

    /// pSAGE-net items built from `batch`'s haplotypes: each item names its reference, maternal and paternal
    /// haplotype by index in the batch, or -1 for the kept reference (e.g. in-silico mutagenesis of the reference
    /// input). Returns (items.count, 2), valid until the next call. At most `capacity` items.
    public func predict(_ batch: HaplotypeBatch, items: [(reference: Int, maternal: Int, paternal: Int)]) -> UnsafeBufferPointer<Float> {
        precondition(model.config.model == .psagenet && items.count <= capacity, "SparseInference: items need pSAGE-net and at most \(capacity) of them")
        precondition(items.allSatisfy { [$0.reference, $0.maternal, $0.paternal].allSatisfy { $0 >= -1 && $0 < batch.count } }, "SparseInference: item names a haplotype outside the batch")
        customItems = items
        defer { customItems = nil }
        return predict(batch)
    }

    /// The rest of the trunk on `count` pooled rows; returns their features (count, D).
    private func runTail(count: Int) -> UnsafePointer<Float> {
        guard model.trunk.ops.count > tailStart else { return UnsafePointer(pooled.pointer) }
        var rng = SplitMix64(seed: 0)
        model.trunk.forward(tail, x: UnsafePointer(pooled.pointer), B: count, training: false, store: model.store,
                            scratch: tailScratch, rng: &rng, from: tailStart)
        return UnsafePointer(tail.output.pointer)
    }

    // MARK: dirty columns

    /// Computes the dirty columns of `haplotypes` (bases, runs, first column in `dirtyOut`) into `dirtyOut`, in
    /// GEMMs of up to `chunkCapacity` columns; each column after bias and ReLU.
    private func computeDirtyColumns(of haplotypes: [(bases: UnsafePointer<UInt8>, runs: ColumnRuns, offset: Int)]) {
        let KF = K1 * F1
        var rows = 0, column = haplotypes.first?.offset ?? 0
        func flush() {
            guard rows > 0 else { return }
            let c = dirtyOut.pointer + column
            sgemm(transB: true, m: F, n: rows, k: KF, a: packedW1.pointer, lda: KF, b: patches.pointer, ldb: KF,
                  beta: 0, c: c, ldc: dirtyCapacity)
            let n = rows
            Parallel.forEachRange(F, minimumPerThread: max(1, 32768 / n)) { range in
                for f in range {
                    let row = c + f * dirtyCapacity, b = bias1[f]
                    for t in 0..<n { row[t] = max(row[t] + b, 0) }
                }
            }
            column += rows
            rows = 0
        }
        for hap in haplotypes {
            for run in hap.runs.dirty {
                var a = run.start
                while a < run.end {
                    let n = min(run.end - a, chunkCapacity - rows)
                    buildPatches(hap.bases, columns: a..<(a + n), at: rows)
                    rows += n
                    a += n
                    if rows == chunkCapacity { flush() }
                }
            }
        }
        flush()
    }

    /// Patches of output columns `columns` into rows `row...` of `patches`: convlayers.0's input columns
    /// [start - left1, end - left1 + K1) from the bases (conv0 by gather, ReLU, batch norm; 0 outside [0, L)).
    private func buildPatches(_ hap: UnsafePointer<UInt8>, columns: Range<Int>, at row: Int) {
        let first = columns.lowerBound - left1, count = columns.count + K1 - 1
        let table = conv0Table.pointer
        Parallel.forEachRange(count, minimumPerThread: 64) { range in
            for j in range {
                let u = first + j, x = stemInputs.pointer + j * F1
                guard u >= 0 && u < L else { x.update(repeating: 0, count: F1); continue }
                x.update(from: conv0Bias, count: F1)
                for k in 0..<K0 {
                    let p = u + k - left0
                    guard p >= 0 && p < L else { continue }
                    let w = table + (k * 6 + Int(sparseBaseClass[Int(hap[p])])) * F1
                    for o in 0..<F1 { x[o] += w[o] }
                }
                if let scale = bnScale?.pointer, let shift = bnShift?.pointer {
                    for o in 0..<F1 { x[o] = max(x[o], 0) * scale[o] + shift[o] }
                } else {
                    for o in 0..<F1 { x[o] = max(x[o], 0) }
                }
            }
        }
        let KF = K1 * F1
        Parallel.forEachRange(columns.count, minimumPerThread: 64) { range in
            for j in range { (patches.pointer + (row + j) * KF).update(from: stemInputs.pointer + j * F1, count: KF) }
        }
    }

    // MARK: assembling

    /// Haplotype h's stem, one channel row at a time (copied runs from the reference, dirty columns from
    /// `dirtyOut`), pooled into pooled[h].
    private func assembleAndPool(_ h: Int) {
        let parts = min(Parallel.available, max(1, rowScratch.count / L), F)
        let r = runs[h], offset = dirtyOffset[h]
        Parallel.forEachPart(parts) { p in
            let row = rowScratch.pointer + p * L
            for f in (p * F / parts)..<((p + 1) * F / parts) {
                let refRow = referenceStem.pointer + f * L
                for run in r.copied { (row + run.start).update(from: refRow + run.start - run.shift, count: run.end - run.start) }
                var d = dirtyOut.pointer + f * dirtyCapacity + offset
                for run in r.dirty {
                    (row + run.start).update(from: d, count: run.end - run.start)
                    d += run.end - run.start
                }
                poolRow(UnsafePointer(row), into: pooled.pointer + (h * F + f) * pooledLength)
            }
        }
    }

    /// One row (L) pooled as the trunk's first pooling does (avgPool1dForward / maxPool1dForward, same arithmetic).
    @inline(__always)
    private func poolRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
        for j in 0..<pooledLength {
            let start = j * poolSize, end = min(start + poolSize, L)
            if poolType == .avg {
                var sum: Float = 0
                for t in start..<end { sum += x[t] }
                y[j] = sum / Float(end - start)
            } else {
                var best = start
                for t in (start + 1)..<max(start + 1, end) where x[t] > x[best] || x[t].isNaN { best = t }
                y[j] = x[best]
            }
        }
    }
}

/// Base classes of the conv0 table: A, C, G, T, N (0.25 each, also the padding code), other (zeros), as `oneHotTable`.
let sparseClassColumns: [SIMD4<Float>] = [SIMD4(1, 0, 0, 0), SIMD4(0, 1, 0, 0), SIMD4(0, 0, 1, 0), SIMD4(0, 0, 0, 1),
                                          SIMD4(repeating: 0.25), SIMD4(repeating: 0)]
let sparseBaseClass: [UInt8] = (0..<256).map { b in
    switch UInt8(b) | 0x20 {
    case UInt8(ascii: "a"): 0
    case UInt8(ascii: "c"): 1
    case UInt8(ascii: "g"): 2
    case UInt8(ascii: "t"): 3
    case UInt8(ascii: "n"): 4
    default: 5
    }
}
