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
            return (sage_seqlet_convolve_baseline(x, prevCount, js, ws, js.count, 0, outputs, &a),
                    sage_seqlet_convolve_avx512(x, prevCount, js, ws, js.count, 0, outputs, &b),
                    sage_seqlet_convolve(x, prevCount, js, ws, js.count, 0, outputs, &c))
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
        // Starting at a later block gives the same outputs from there on, and writes nothing before it.
        let from = outputs / 2 / 48 * 48
        var d = [Double](repeating: -1, count: padded)
        _ = prev.withUnsafeBufferPointer { p in sage_seqlet_convolve(p.baseAddress! + bins, prevCount, js, ws, js.count, from, outputs, &d) }
        #expect(d[from...].map(\.bitPattern) == a[from...].map(\.bitPattern))
        #expect(d[..<from].allSatisfy { $0 == -1 })
    }

    /// SplitMix64 values in [0, 1) from `seed`.
    static func units(_ seed: Int, _ n: Int) -> [Double] {
        var state = UInt64(seed)
        return (0..<n).map { _ in
            state &+= 0x9E3779B97F4A7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
            z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
        }
    }

    /// Tomtom's span convolution: both builds and the dispatcher give the definition's bits (each output's terms in
    /// ascending k from +0.0), for tap counts that exercise the eight- and four-tap passes and their edges, and
    /// nothing is written past the 7 entries of slack.
    @Test(arguments: [(1, 1), (1, 9), (3, 2), (5, 4), (8, 8), (13, 7), (40, 101), (97, 23), (250, 64)])
    func tomtomConvolutionMatchesDefinition(pn: Int, fn: Int) {
        let u = Self.units(pn * 1000 + fn, pn + fn)
        let prev = (0..<pn).map { u[$0] < 0.2 ? 0 : u[$0] * 1e-2 }  // >= 0, some +0 (as pdfs are)
        let f = (0..<fn).map { u[pn + $0] < 0.2 ? 0 : u[pn + $0] }
        let outCount = pn + fn - 1, guardValue = -7.0
        var expected = [Double](repeating: 0, count: outCount)
        for o in 0..<outCount {
            var s = 0.0
            for k in 0..<pn where o - k >= 0 && o - k < fn { s += f[o - k] * prev[k] }
            expected[o] = s
        }
        for build in 0..<3 {
            var out = [Double](repeating: 0, count: outCount + 7 + 8)
            for i in (outCount + 7)..<out.count { out[i] = guardValue }
            var padded = [Double](repeating: .nan, count: pn + 32 + 8)
            for i in (pn + 32)..<padded.count { padded[i] = guardValue }
            let convolve = [sage_tomtom_convolve_baseline, sage_tomtom_convolve_avx512, sage_tomtom_convolve][build]
            convolve(prev, pn, f, fn, &out, &padded)
            #expect(Array(out[0..<outCount]).map(\.bitPattern) == expected.map(\.bitPattern), "build \(build)")
            #expect(out[(outCount + 7)...].allSatisfy { $0 == guardValue }, "build \(build) wrote past its slack")
            #expect(padded[(pn + 32)...].allSatisfy { $0 == guardValue }, "build \(build) wrote past its scratch")
        }
    }

    /// Running sums of 1-8 rows of different lengths equal each row's serial sum, and nothing past a row's
    /// length is written.
    @Test(arguments: [1, 2, 3, 5, 8])
    func runningSumsMatchSerialSums(rows: Int) {
        let lengths = (0..<rows).map { [37, 5, 120, 1, 64, 64, 9, 200][$0] }.sorted(by: >)
        let width = 210, delta = rows * width  // sums live after all the rows
        var buffer = Self.units(rows, 2 * rows * width).map { $0 - 0.25 }
        let original = buffer
        buffer.withUnsafeMutableBufferPointer { b in
            let pointers: [UnsafeMutablePointer<Double>?] = (0..<rows).map { b.baseAddress! + $0 * width }
            sage_running_sums(pointers, delta, lengths, rows)
        }
        for r in 0..<rows {
            var s = 0.0
            for k in 0..<width {
                let got = buffer[delta + r * width + k]
                if k < lengths[r] {
                    s += original[r * width + k]
                    #expect(got.bitPattern == s.bitPattern, "row \(r) entry \(k)")
                } else {
                    #expect(got.bitPattern == original[delta + r * width + k].bitPattern, "row \(r) entry \(k) written")
                }
            }
        }
    }

    /// The chain's max step: both builds and the dispatcher give the definition's bits in each of its four parts
    /// (zero below the window, the formula in it, x * K up to the mark, x from it), and touch nothing outside
    /// [lo, hi).
    @Test(arguments: [(0, 40, 5, 21, 30), (3, 37, 0, 37, 37), (0, 100, 10, 90, 95), (10, 11, 10, 11, 11), (0, 64, 20, 30, 64)])
    func tomtomMaxUpdateMatchesDefinition(lo: Int, hi: Int, wLo: Int, wHi: Int, mark: Int) {
        let n = hi + 8, u = Self.units(lo * 31 + hi * 7 + wLo + wHi + mark, 4 * n)
        let x0 = (0..<n).map { u[$0] }, xcs = (0..<n).map { u[n + $0] }, y = (0..<n).map { u[2 * n + $0] }
        let ycs = (0..<n).map { u[3 * n + $0] }, K = 0.625
        var expected = x0
        for k in lo..<hi {
            if k < wLo { expected[k] = 0 }
            else if k < wHi { expected[k] = x0[k] * ycs[k] + y[k] * xcs[k] - x0[k] * y[k] }
            else if k < mark { expected[k] = x0[k] * K }
        }
        for build in 0..<3 {
            var x = x0
            let update = [sage_tomtom_max_update_baseline, sage_tomtom_max_update_avx512, sage_tomtom_max_update][build]
            update(&x, xcs, lo, hi, y, ycs, wLo, wHi, K, mark)
            #expect(x.map(\.bitPattern) == expected.map(\.bitPattern), "build \(build)")
        }
    }
}
