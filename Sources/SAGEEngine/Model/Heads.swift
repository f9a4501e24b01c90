// The dense heads after the trunk, shared by the dense forward and the variant-sparse inference path.
//   rSAGEnet: features (B, D) -> fc0 -> fclayers -> ref_out -> out (B, 1)
//   pSAGEnet: r = fc0(reference), p = fc0((maternal + paternal) / 2) -> out0 = ref_out(fclayers(r)),
//             out1 = diff_out(diff_fclayers(p - r | [p, r] | p)) -> out (B, 2)

/// Where the trunk features of B items are: row b of the reference at `reference + b * referenceStride` (a stride
/// of 0 shares one reference across the batch), of the haplotypes at `maternal/paternal + b * haplotypeStride`
/// (pSAGEnet only). Each row holds D = trunk.outputWidth floats.
struct TrunkFeatures {
    let reference: UnsafePointer<Float>
    let referenceStride: Int
    let maternal: UnsafePointer<Float>?
    let paternal: UnsafePointer<Float>?
    let haplotypeStride: Int
}

/// The dense heads' activations for up to B items (fc0 has 2B rows for pSAGEnet: reference, then personal).
final class HeadActivations {
    let fcInput: FloatBuffer?
    let fc0: DenseActivations
    let fclayers: DenseStackActivations
    let refOut: DenseActivations
    let diffInput: FloatBuffer?, diffFC: DenseStackActivations?, diffOut: DenseActivations?
    let outputs: FloatBuffer

    init(model m: SAGENet, B: Int) {
        let p = m.config.model == .psagenet, D = m.trunk.outputWidth
        fcInput = p ? FloatBuffer(count: 2 * B * D) : nil
        fc0 = DenseActivations(m.fc0, rows: p ? 2 * B : B)
        fclayers = DenseStackActivations(m.fclayers, rows: B)
        refOut = DenseActivations(m.refOut, rows: B)
        diffInput = m.diffFC.map { FloatBuffer(count: B * $0.inputWidth) }
        diffFC = m.diffFC.map { DenseStackActivations($0, rows: B) }
        diffOut = m.diffOut.map { DenseActivations($0, rows: B) }
        outputs = FloatBuffer(count: B * m.config.outputCount)
    }
}

extension SAGENet {
    /// The heads on B items' trunk features; returns the outputs (B, outputCount) in `h.outputs`.
    func forwardHeads(_ a: HeadActivations, features x: TrunkFeatures, B: Int, training: Bool) -> UnsafeBufferPointer<Float> {
        let D = trunk.outputWidth, h = config.hiddenSize
        var fcIn = x.reference
        var rows = B
        if config.model == .psagenet, let m = x.maternal, let p = x.paternal {
            // Rows 0..<B: reference features; rows B..<2B: the haplotypes' mean.
            let stack = a.fcInput!.pointer
            for b in 0..<B {
                (stack + b * D).update(from: x.reference + b * x.referenceStride, count: D)
                let s = stack + (B + b) * D, mb = m + b * x.haplotypeStride, pb = p + b * x.haplotypeStride
                for i in 0..<D { s[i] = (mb[i] + pb[i]) * 0.5 }
            }
            fcIn = UnsafePointer(stack)
            rows = 2 * B
        } else {
            precondition(x.referenceStride == D, "rSAGEnet heads read B contiguous feature rows")
        }
        fc0.forward(a.fc0, x: fcIn, rows: rows, training: training, store: store, rng: &dropoutRNG)
        let r = UnsafePointer(a.fc0.out.pointer)
        let refH = fclayers.forward(a.fclayers, x: r, rows: B, training: training, store: store, rng: &dropoutRNG)
        refOut.forward(a.refOut, x: refH, rows: B, training: training, store: store, rng: &dropoutRNG)
        let out = a.outputs.pointer, count = config.outputCount
        for b in 0..<B { out[b * count] = a.refOut.out.pointer[b] }
        if let diffFC, let diffOut, let diffIn = a.diffInput, let dfc = a.diffFC, let dout = a.diffOut {
            let p = r + B * h, d = diffIn.pointer
            if !config.splitYData {
                d.update(from: p, count: B * h)
            } else if config.subtractOrConcat == .subtract {
                for i in 0..<(B * h) { d[i] = p[i] - r[i] }
            } else {
                for b in 0..<B {
                    (d + b * 2 * h).update(from: p + b * h, count: h)
                    (d + b * 2 * h + h).update(from: r + b * h, count: h)
                }
            }
            let diffH = diffFC.forward(dfc, x: d, rows: B, training: training, store: store, rng: &dropoutRNG)
            diffOut.forward(dout, x: diffH, rows: B, training: training, store: store, rng: &dropoutRNG)
            for b in 0..<B { out[b * count + 1] = dout.out.pointer[b] }
        }
        return UnsafeBufferPointer(start: out, count: B * count)
    }
}
