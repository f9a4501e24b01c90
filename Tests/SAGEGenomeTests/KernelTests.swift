import CKernels
import Testing

/// The C kernels' two builds (AVX-512 and the build's target) give the same bits, and the dispatcher one of them.
@Suite struct KernelTests {
    /// Random seqlet-null inputs: a histogram of `bins` bins with some empty, a previous row of `prevCount`
    /// values, padded as SeqletCaller pads them.
    @Test(arguments: [(2, 3), (7, 50), (1000, 999), (1000, 24000), (64, 1)])
    func seqletConvolutionBuildsAgree(bins: Int, prevCount: Int) {
        var state = UInt64(bins * 7919 + prevCount)
        func unit() -> Double {  // SplitMix64
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
        }
        var js: [Int] = [], ws: [Double] = []
        for j in stride(from: bins - 1, through: 0, by: -1) where unit() < 0.7 { js.append(j); ws.append(unit() / Double(bins)) }
        let outputs = prevCount + bins - 1, padded = (outputs + 47) / 48 * 48
        var prev = [Double](repeating: 0, count: bins + padded + 96)
        for i in 0..<prevCount { prev[bins + i] = unit() * 1e-3 }
        var a = [Double](repeating: -1, count: padded), b = a, c = a
        let (va, vb, vc) = prev.withUnsafeBufferPointer { p in
            let x = p.baseAddress! + bins
            return (sage_seqlet_convolve_baseline(x, prevCount, js, ws, js.count, outputs, &a),
                    sage_seqlet_convolve_avx512(x, prevCount, js, ws, js.count, outputs, &b),
                    sage_seqlet_convolve(x, prevCount, js, ws, js.count, outputs, &c))
        }
        #expect(va == vb && vb == vc)
        #expect(a.map(\.bitPattern) == b.map(\.bitPattern))
        #expect(c.map(\.bitPattern) == a.map(\.bitPattern))
        // Spot check against the definition, summed in the same order.
        for t in [0, outputs / 2, outputs - 1] {
            var s = 0.0
            for q in js.indices where t - js[q] >= 0 && t - js[q] < prevCount { s += prev[bins + t - js[q]] * ws[q] }
            #expect(a[t].bitPattern == s.bitPattern)
        }
    }
}
