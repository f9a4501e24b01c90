import Foundation

/// Eigenvalues and eigenvectors of a real symmetric matrix, in Float64: Householder reduction to tridiagonal form
/// and the implicit QL algorithm (EISPACK tred2/tql2, as in JAMA's `EigenvalueDecomposition`, public domain). The
/// eigenvectors are orthonormal to rounding; exact to rounding, unlike the randomized solvers scikit-learn may pick.
struct SymmetricEigen {
    let n: Int
    /// Eigenvalues in ascending order.
    let values: [Double]
    /// vectors[j * n ..< (j + 1) * n] is the unit eigenvector of values[j] (one vector per row).
    let vectors: [Double]

    /// `a` (n, n) row-major and symmetric (only its lower triangle is read).
    ///
    /// JAMA's algorithm on V with V's columns stored as rows here (m[c * n + r] = V[r][c]), so that every inner
    /// loop runs along contiguous memory and each eigenvector comes out contiguous.
    init(_ a: [Double], n: Int) {
        precondition(a.count == n * n && n > 0)
        self.n = n
        var m = [Double](repeating: 0, count: n * n)
        for r in 0..<n { for c in 0...r { m[c * n + r] = a[r * n + c]; m[r * n + c] = a[r * n + c] } }
        var d = [Double](repeating: 0, count: n), e = [Double](repeating: 0, count: n)
        m.withUnsafeMutableBufferPointer { mp in
            d.withUnsafeMutableBufferPointer { dp in
                e.withUnsafeMutableBufferPointer { ep in
                    Self.tridiagonalize(mp.baseAddress!, dp.baseAddress!, ep.baseAddress!, n)
                    Self.diagonalize(mp.baseAddress!, dp.baseAddress!, ep.baseAddress!, n)
                }
            }
        }
        // Ascending order (tql2 leaves them nearly sorted); vectors follow their values.
        let order = (0..<n).sorted { d[$0] < d[$1] || (d[$0] == d[$1] && $0 < $1) }
        values = order.map { d[$0] }
        var sorted = [Double](repeating: 0, count: n * n)
        for (j, k) in order.enumerated() { sorted.replaceSubrange((j * n)..<(j * n + n), with: m[(k * n)..<(k * n + n)]) }
        vectors = sorted
    }

    /// tred2: V (as m) = A on entry; on exit the orthogonal transformation, d the diagonal, e the sub-diagonal
    /// (e[0] = 0).
    private static func tridiagonalize(_ m: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>,
                                       _ e: UnsafeMutablePointer<Double>, _ n: Int) {
        @inline(__always) func v(_ r: Int, _ c: Int) -> Double { m[c * n + r] }
        @inline(__always) func set(_ r: Int, _ c: Int, _ x: Double) { m[c * n + r] = x }
        for j in 0..<n { d[j] = v(n - 1, j) }
        for i in stride(from: n - 1, to: 0, by: -1) {
            var scale = 0.0, h = 0.0
            for k in 0..<i { scale += abs(d[k]) }
            if scale == 0 {
                e[i] = d[i - 1]
                for j in 0..<i { d[j] = v(i - 1, j); set(i, j, 0); set(j, i, 0) }
            } else {
                for k in 0..<i { d[k] /= scale; h += d[k] * d[k] }
                var f = d[i - 1]
                var g = h.squareRoot()
                if f > 0 { g = -g }
                e[i] = scale * g
                h -= f * g
                d[i - 1] = f - g
                for j in 0..<i { e[j] = 0 }
                for j in 0..<i {
                    f = d[j]
                    set(j, i, f)
                    let column = m + j * n  // V[k][j] for k = 0..<n
                    g = e[j] + column[j] * f
                    if j + 1 <= i - 1 {
                        for k in (j + 1)...(i - 1) { g += column[k] * d[k]; e[k] += column[k] * f }
                    }
                    e[j] = g
                }
                f = 0
                for j in 0..<i { e[j] /= h; f += e[j] * d[j] }
                let hh = f / (h + h)
                for j in 0..<i { e[j] -= hh * d[j] }
                for j in 0..<i {
                    f = d[j]; g = e[j]
                    let column = m + j * n
                    for k in j..<i { column[k] -= f * e[k] + g * d[k] }
                    d[j] = v(i - 1, j)
                    set(i, j, 0)
                }
            }
            d[i] = h
        }
        // Accumulate the transformations.
        for i in 0..<(n - 1) {
            set(n - 1, i, v(i, i))
            set(i, i, 1)
            let h = d[i + 1]
            let next = m + (i + 1) * n  // V[k][i + 1]
            if h != 0 {
                for k in 0...i { d[k] = next[k] / h }
                for j in 0...i {
                    let column = m + j * n
                    var g = 0.0
                    for k in 0...i { g += next[k] * column[k] }
                    for k in 0...i { column[k] -= g * d[k] }
                }
            }
            for k in 0...i { next[k] = 0 }
        }
        for j in 0..<n { d[j] = v(n - 1, j); set(n - 1, j, 0) }
        set(n - 1, n - 1, 1)
        e[0] = 0
    }

    /// tql2: the implicit QL iterations on the tridiagonal (d, e), accumulating the rotations into V (as m);
    /// d ends as the eigenvalues (unsorted) and V's columns as their eigenvectors.
    private static func diagonalize(_ m: UnsafeMutablePointer<Double>, _ d: UnsafeMutablePointer<Double>,
                                    _ e: UnsafeMutablePointer<Double>, _ n: Int) {
        for i in 1..<max(n, 1) { e[i - 1] = e[i] }
        e[n - 1] = 0
        var f = 0.0, tst1 = 0.0
        let eps = Double.ulpOfOne
        for l in 0..<n {
            tst1 = max(tst1, abs(d[l]) + abs(e[l]))
            var mm = l
            while mm < n - 1 { if abs(e[mm]) <= eps * tst1 { break }; mm += 1 }  // e[n - 1] = 0 ends it (JAMA: mm < n)
            if mm > l {
                repeat {
                    var g = d[l]
                    var p = (d[l + 1] - g) / (2 * e[l])
                    var r = hypot(p, 1)
                    if p < 0 { r = -r }
                    d[l] = e[l] / (p + r)
                    d[l + 1] = e[l] * (p + r)
                    let dl1 = d[l + 1]
                    var h = g - d[l]
                    if l + 2 < n { for i in (l + 2)..<n { d[i] -= h } }
                    f += h
                    p = d[mm]
                    var c = 1.0, c2 = 1.0, c3 = 1.0, s = 0.0, s2 = 0.0
                    let el1 = e[l + 1]
                    for i in stride(from: mm - 1, through: l, by: -1) {
                        c3 = c2; c2 = c; s2 = s
                        g = c * e[i]
                        h = c * p
                        r = hypot(p, e[i])
                        e[i + 1] = s * r
                        s = e[i] / r
                        c = p / r
                        p = c * d[i] - s * g
                        d[i + 1] = h + s * (c * g + s * d[i])
                        let vi = m + i * n, vi1 = m + (i + 1) * n  // columns i and i + 1 of V
                        for k in 0..<n {
                            let t = vi1[k]
                            vi1[k] = s * vi[k] + c * t
                            vi[k] = c * vi[k] - s * t
                        }
                    }
                    p = -s * s2 * c3 * el1 * e[l] / dl1
                    e[l] = s * p
                    d[l] = c * p
                } while abs(e[l]) > eps * tst1
            }
            d[l] += f
            e[l] = 0
        }
    }
}
