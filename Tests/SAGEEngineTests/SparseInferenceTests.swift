import Foundation
import Testing
@testable import SAGEEngine

/// The variant-sparse path against the dense forward on one-hot input, over model configurations (odd and even
/// kernels, dilation, both poolings, h_layers, every head mode, r-SAGE-net's batch norm on conv0, the
/// transformer block) and haplotypes with SNPs, insertions, deletions (shifting the pooling grid), edits at the
/// window's edges, minus-strand windows (reverse complement), N runs and windows shorter than input_len.
@Suite struct SparseInferenceTests {
    struct Case: CustomStringConvertible, Sendable {
        let name: String
        let config: SAGEConfig
        var description: String { name }
    }

    static func config(_ model: SAGEConfig.Kind, _ edit: (inout SAGEConfig) -> Void) -> SAGEConfig {
        var c = SAGEConfig(model: model)
        c.inputLen = 600; c.firstLayerKernelNumber = 12; c.intLayersKernelNumber = 8; c.firstLayerKernelSize = 10
        c.intLayersKernelSize = 5; c.hiddenSize = 16; c.nConvBlocks = 3; c.poolingSize = 4
        edit(&c)
        return c
    }

    static let cases: [Case] = [
        Case(name: "psagenet default", config: config(.psagenet) { _ in }),
        Case(name: "psagenet odd kernels, max pool, dilated, h_layers 2", config: config(.psagenet) {
            $0.firstLayerKernelSize = 7; $0.intLayersKernelSize = 4; $0.poolingType = .max; $0.nDilatedConvBlocks = 2
            $0.increasingDilation = true; $0.hLayers = 2 }),
        Case(name: "psagenet concat, no batch norm, pool 3", config: config(.psagenet) {
            $0.subtractOrConcat = .concat; $0.batchNorm = false; $0.poolingSize = 3; $0.hLayers = 0 }),
        Case(name: "psagenet unsplit, one block", config: config(.psagenet) { $0.splitYData = false; $0.nConvBlocks = 1 }),
        Case(name: "psagenet transformer", config: config(.psagenet) { $0.blockType = .transformer; $0.intLayersKernelSize = 4 }),
        Case(name: "rsagenet batch norm on conv0", config: config(.rsagenet) { $0.firstLayerKernelSize = 6; $0.intLayersKernelSize = 3 }),
        Case(name: "rsagenet max pool, no batch norm", config: config(.rsagenet) { $0.batchNorm = false; $0.poolingType = .max }),
    ]

    /// A model with PyTorch-style initialisation and batch-norm statistics far from 0 and 1.
    static func model(_ config: SAGEConfig, seed: UInt64) throws -> SAGENet {
        let m = try SAGENet(config: config, seed: seed)
        var rng = SplitMix64(seed: seed + 1)
        for slot in m.store.bufferSlots {
            for i in 0..<slot.count {
                m.store.b(slot.offset)[i] = slot.name.hasSuffix("running_var") ? 0.5 + rng.nextUnitFloat() : rng.nextUnitFloat() - 0.5
            }
        }
        return m
    }

    /// A random window with an N run, and a haplotype of it: non-overlapping edits (SNPs, insertions, deletions,
    /// some at the edges), truncated to L, reverse-complemented on the minus strand, N-padded; with its shifts.
    struct Window {
        var reference: [UInt8]
        /// Haplotypes 2b (maternal) and 2b + 1 (paternal) of item b, with their shifts.
        var haplotypes: [(bases: [UInt8], shifts: [Int32])]
    }

    static func window(L: Int, rng: inout SplitMix64, items: Int, minus: Bool, short: Bool) -> Window {
        let bases = Array("ACGT".utf8)
        let m = short ? L - 37 : L
        var genomic = (0..<m).map { _ in bases[Int(rng.next() % 4)] }
        let nStart = Int(rng.next() % UInt64(m - 30))
        for i in nStart..<(nStart + 12) { genomic[i] = UInt8(ascii: "N") }
        func haplotype(edits: Int) -> ([UInt8], [Int32]) {
            var positions = Set<Int>([0, m - 2])
            while positions.count < edits + 2 { positions.insert(Int(rng.next() % UInt64(m - 8))) }
            var seq: [UInt8] = [], cumulative: [Int] = [0], at = 0, shift = 0
            for p in positions.sorted() where p >= at {
                seq += genomic[at..<p]
                let kind = rng.next() % 4
                let refLen = kind == 2 ? 1 + Int(rng.next() % 7) : 1   // deletion of 1...7 (after the first base)
                guard p + refLen + 1 <= m else { at = p; continue }
                var alt: [UInt8] = [genomic[p]]
                switch kind {
                case 0, 3: alt = [bases[(bases.firstIndex(of: genomic[p]).map { $0 + 1 + Int(rng.next() % 3) } ?? 0) % 4]]
                case 1: alt += (0..<(1 + Int(rng.next() % 6))).map { _ in bases[Int(rng.next() % 4)] }  // insertion
                default: break
                }
                seq += alt
                at = p + (kind == 2 ? refLen + 1 : 1)
                shift += alt.count - (at - p)
                cumulative.append(shift)
            }
            seq += genomic[at...]
            let truncated = Array(seq.prefix(L))
            let n = truncated.count
            let model = minus ? reverseComplement(truncated) : truncated
            let shifts = cumulative.map { Int32(minus ? (n - m) - $0 : $0) }
            return (model + [UInt8](repeating: UInt8(ascii: "N"), count: L - n), shifts)
        }
        let haplotypes = (0..<(2 * items)).map { _ in haplotype(edits: 1 + Int(rng.next() % 8)) }
        let ref = (minus ? reverseComplement(genomic) : genomic) + [UInt8](repeating: UInt8(ascii: "N"), count: L - m)
        return Window(reference: ref, haplotypes: haplotypes.map { (bases: $0.0, shifts: $0.1) })
    }

    static func reverseComplement(_ s: [UInt8]) -> [UInt8] {
        s.reversed().map { b in
            switch b { case UInt8(ascii: "A"): UInt8(ascii: "T"); case UInt8(ascii: "T"): UInt8(ascii: "A")
                       case UInt8(ascii: "C"): UInt8(ascii: "G"); case UInt8(ascii: "G"): UInt8(ascii: "C"); default: b }
        }
    }

    static func oneHot(_ s: [UInt8], into out: UnsafeMutablePointer<Float>) {
        let L = s.count
        for (i, b) in s.enumerated() {
            let v: SIMD4<Float> = switch b {
            case UInt8(ascii: "A"): SIMD4(1, 0, 0, 0); case UInt8(ascii: "C"): SIMD4(0, 1, 0, 0)
            case UInt8(ascii: "G"): SIMD4(0, 0, 1, 0); case UInt8(ascii: "T"): SIMD4(0, 0, 0, 1)
            default: SIMD4(repeating: 0.25)
            }
            for c in 0..<4 { out[c * L + i] = v[c] }
        }
    }

    /// Dense outputs of items (reference, maternal, paternal) in one batch: pSAGE-net (B, 2); r-SAGE-net the
    /// maternal then the paternal haplotypes' outputs, (2B, 1).
    static func dense(_ m: SAGENet, _ w: Window) -> [Float] {
        let L = m.config.inputLen, H = w.haplotypes.count, B = H / 2
        if m.config.model == .psagenet {
            let buffers = (0..<3).map { _ in FloatBuffer(count: B * 4 * L) }
            for b in 0..<B {
                for (k, s) in [w.reference, w.haplotypes[2 * b].bases, w.haplotypes[2 * b + 1].bases].enumerated() {
                    oneHot(s, into: buffers[k].pointer + b * 4 * L)
                }
            }
            return withExtendedLifetime(buffers) { Array(m.forward(sequences: buffers.map { UnsafePointer($0.pointer) }, batch: B, training: false)) }
        }
        let buffer = FloatBuffer(count: H * 4 * L)
        for h in 0..<H { oneHot(w.haplotypes[h].bases, into: buffer.pointer + h * 4 * L) }
        return withExtendedLifetime(buffer) { Array(m.forward(sequences: [UnsafePointer(buffer.pointer)], batch: H, training: false)) }
    }

    /// Sparse outputs of the same items, all against windows[0]'s reference (the windows share it).
    static func sparse(_ s: SparseInference, _ w: Window, useShifts: Bool = true) -> [Float] {
        let L = s.model.config.inputLen
        s.setReference(w.reference)
        let batch = HaplotypeBatch(capacity: w.haplotypes.count, length: L)
        for (seq, shifts) in w.haplotypes {
            batch.append { out, list in
                out.update(from: seq, count: L)
                if useShifts { list += shifts }
            }
        }
        return Array(s.predict(batch))
    }

    /// |a - b| <= 1e-5 * max(1, |b|) everywhere (the outputs are O(0.1-1)).
    static func maxRelativeError(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
    }

    @Test(arguments: cases)
    func sparseEqualsDense(c: Case) throws {
        let m = try Self.model(c.config, seed: 11)
        let s = try SparseInference(model: m, capacity: 8)
        var rng = SplitMix64(seed: 5)
        for (minus, short) in [(false, false), (true, false), (false, true), (true, true)] {
            let windows = Self.window(L: c.config.inputLen, rng: &rng, items: 4, minus: minus, short: short)
            let dense = Self.dense(m, windows)
            let sparse = Self.sparse(s, windows)
            print("sparse vs dense, \(c), minus \(minus) short \(short): max relative error \(Self.maxRelativeError(sparse, dense))")
            #expect(Self.maxRelativeError(sparse, dense) <= 1e-5, "\(c) minus \(minus) short \(short): \(sparse.prefix(4)) vs \(dense.prefix(4))")
            #expect(Self.maxRelativeError(Self.sparse(s, windows, useShifts: false), dense) <= 1e-5, "\(c): without shifts")
            s.denseFraction = 0   // every haplotype computed whole
            #expect(Self.maxRelativeError(Self.sparse(s, windows), dense) <= 1e-5, "\(c): dense fallback")
            s.denseFraction = 0.75
        }
        #expect(s.stats.denseFallbacks > 0)
        #expect(s.stats.dirtyColumns < s.stats.haplotypes * c.config.inputLen, "\(c): nothing was copied")
    }

    /// One column too few around an edit must show: the same comparison fails with the span narrowed by one.
    @Test(arguments: [cases[0], cases[1], cases[5]])
    func aDirtyWindowOneColumnTooNarrowIsCaught(c: Case) throws {
        let m = try Self.model(c.config, seed: 11)
        let s = try SparseInference(model: m, capacity: 8)
        var rng = SplitMix64(seed: 5)
        let windows = Self.window(L: c.config.inputLen, rng: &rng, items: 4, minus: false, short: false)
        let dense = Self.dense(m, windows)
        #expect(Self.maxRelativeError(Self.sparse(s, windows), dense) <= 1e-5)
        s.narrowBy = 1
        #expect(Self.maxRelativeError(Self.sparse(s, windows), dense) > 1e-5, "\(c): a narrower span went unnoticed")
    }

    /// A SNP far from the edges dirties exactly k0 + k1 - 1 stem columns; after an insertion of d bases the rest of
    /// the window is copied at shift d (without the shift it would be all dirty).
    @Test func dirtyColumnsOfOneSNPAndOneInsertion() throws {
        var c = Self.cases[0].config
        c.firstLayerKernelSize = 10; c.intLayersKernelSize = 5
        let s = try SparseInference(model: try Self.model(c, seed: 3), capacity: 2)
        let L = c.inputLen
        var rng = SplitMix64(seed: 9)
        let bases = Array("ACGT".utf8)
        let ref = (0..<L).map { _ in bases[Int(rng.next() % 4)] }
        var snp = ref
        snp[300] = ref[300] == UInt8(ascii: "A") ? UInt8(ascii: "C") : UInt8(ascii: "A")
        let inserted = Array((Array(ref[0..<300]) + Array("GGG".utf8) + Array(ref[300...])).prefix(L))
        s.setReference(ref)
        let batch = HaplotypeBatch(capacity: 2, length: L)
        batch.append { out, _ in out.update(from: snp, count: L) }
        batch.append { out, shifts in out.update(from: inserted, count: L); shifts.append(3) }
        _ = s.predict(batch)
        #expect(s.runs[0].dirtyCount == 10 + 5 - 1)
        // Around the insertion at most 3 + 13 columns (fewer where the inserted bases happen to match); at the end,
        // the last hi = 5 + 2 columns read padding where the reference (at shift 3) has bases.
        let dirty = s.runs[1].dirty
        #expect(dirty.count == 2 && dirty[0].start >= 300 - 7 && dirty[0].end <= 303 + 6 && dirty[0].end - dirty[0].start >= 14)
        #expect(dirty.last.map { [$0.start, $0.end] } == [L - 7, L])
        #expect(s.runs[1].copied.map(\.shift) == [0, 3])
    }
}

extension SparseInferenceTests {
    /// The estimate made before allocating is within 10% of what is allocated (conv configurations: the transformer
    /// block's internals are estimated, not counted), and a workspace that does not fit is one clear error.
    @Test(arguments: [cases[0], cases[1], cases[2], cases[5], cases[6]])
    func memoryEstimateMatchesTheWorkspace(c: Case) throws {
        let m = try Self.model(c.config, seed: 1)
        let s = try SparseInference(model: m, capacity: 6)
        let estimate = Double(SparseInference.estimatedBytes(model: m, capacity: 6)), held = Double(s.memoryBytes)
        #expect(abs(estimate - held) <= 0.1 * held, "\(c): estimate \(estimate) bytes, workspace \(held)")
        #expect(throws: SAGEConfigError.self) { _ = try SparseInference(model: m, capacity: 6, available: UInt64(held / 2)) }
    }
}

/// `forward(identicalTo:)`: with personal = reference (mat = pat = ref) one trunk pass standing for all three gives
/// bit-identical outputs and input gradients to three computed passes.
@Suite struct IdenticalPassesTests {
    @Test(arguments: SparseInferenceTests.cases.filter { $0.config.model == .psagenet })
    func oneTrunkPassStandsForThreeIdenticalInputs(c: SparseInferenceTests.Case) throws {
        let m = try SparseInferenceTests.model(c.config, seed: 2)
        let L = c.config.inputLen, B = 2
        var rng = SplitMix64(seed: 3)
        let input = FloatBuffer(count: B * 4 * L)
        for b in 0..<B { for t in 0..<L { input[b * 4 * L + Int(rng.next() % 4) * L + t] = 1 } }
        let seq = [UnsafePointer(input.pointer), UnsafePointer(input.pointer), UnsafePointer(input.pointer)]
        func run(_ identical: [Int]?) -> (out: [Float], grads: [[Float]]) {
            let out = Array(m.forward(sequences: seq, batch: B, training: false, identicalTo: identical))
            var grads: [[Float]] = []
            for head in OutputHead.allCases {
                let g = (0..<3).map { _ in FloatBuffer(count: B * 4 * L) }
                m.inputGradientsOfLastForward(sequences: seq, head: head, into: g.map { $0.pointer })
                grads += g.map(\.array)
            }
            return (out, grads)
        }
        let three = run(nil), one = run([0, 0, 0])
        #expect(one.out == three.out && one.grads == three.grads, "\(c)")
        #expect(three.grads.contains { $0.contains { $0 != 0 } })
        withExtendedLifetime(input) {}
    }
}
