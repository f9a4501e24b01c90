import Foundation

/// Expression principal components as SAGE-net's `get_pcs` (tools.py) computes them, fitted on some individuals
/// and applied to all.
///
/// Input: log2(TPM + 1), genes x individuals row-major (gene g at g * N ..< (g + 1) * N). Each gene is standardised
/// over the fit individuals (pandas: mean, sd with ddof 1; a constant gene is 0, SAGE-net's NaN -> 0), and the fit
/// individuals x genes matrix Z goes through scikit-learn's `PCA(n_components)`: centred again, then an exact SVD
/// Z = U S V^T (computed here from the eigenvectors of the smaller of Z Z^T and Z^T Z). An individual's scores are
/// its standardised values (with the fit individuals' means and sds) times the loadings, so the fit individuals'
/// scores are U S (`fit_transform`) and the others' those of `transform`.
///
/// Sign convention: each component's loading of largest magnitude (the first gene on ties) is positive, as
/// scikit-learn's `svd_flip` on the components (scikit-learn >= 1.5; older versions fixed U's largest entry instead).
struct ExpressionPCs {
    let count: Int
    let genes: Int
    /// loadings[c * genes + g]: gene g's weight in component c (unit vectors; scikit-learn's `components_`).
    let loadings: [Double]
    /// Singular values of the fit individuals' centred standardised matrix, largest first (S above).
    let singularValues: [Double]
    /// scores[i * count + c]: individual i's (every individual, in input order) score on component c.
    let scores: [Double]

    /// Computes `count` components (count <= min(fit individuals, genes)). Components beyond the data's rank come
    /// out with singular value ~0: the caller checks `singularValues`.
    init(log2TPM x: [Double], genes: Int, individuals n: Int, fit: [Int], count: Int) {
        precondition(x.count == genes * n && count <= min(fit.count, genes) && fit.count >= 2)
        self.count = count
        self.genes = genes
        let standardise = GeneStandardisation(x, genes: genes, individuals: n, fit: fit)
        let m = fit.count
        var loadings = [Double](repeating: 0, count: count * genes)
        var singular = [Double](repeating: 0, count: count)
        var z = [Double](repeating: 0, count: m)
        if count > 0 && m <= genes {
            // Z Z^T (m, m), lower triangle: rank-8 updates by blocks of genes (the last block padded with zeros).
            var gram = [Double](repeating: 0, count: m * m)
            var block = [Double](repeating: 0, count: Self.gramBlock * m)
            for first in stride(from: 0, to: genes, by: Self.gramBlock) {
                for b in 0..<Self.gramBlock {
                    if first + b < genes { standardise.fitValues(gene: first + b, into: &z) } else { z = [Double](repeating: 0, count: m) }
                    block.replaceSubrange((b * m)..<(b * m + m), with: z)
                }
                gram.withUnsafeMutableBufferPointer { g in block.withUnsafeBufferPointer { Self.addBlockGram(g.baseAddress!, $0.baseAddress!, m) } }
            }
            let eigen = SymmetricEigen(gram, n: m)
            // Component c: u = eigenvector of the c-th largest eigenvalue, s = sqrt(lambda), v = Z^T u / s.
            for c in 0..<count {
                let k = m - 1 - c
                let s = max(eigen.values[k], 0).squareRoot()
                singular[c] = s
                guard s > 0 else { continue }
                let u = eigen.vectors[(k * m)..<(k * m + m)]
                for g in 0..<genes {
                    standardise.fitValues(gene: g, into: &z)
                    var dot = 0.0
                    for (i, ui) in u.enumerated() { dot += z[i] * ui }
                    loadings[c * genes + g] = dot / s
                }
            }
        } else if count > 0 {
            // Z^T Z (genes, genes), lower triangle: its eigenvectors are the loadings.
            var fitZ = [Double](repeating: 0, count: genes * m)
            for g in 0..<genes {
                standardise.fitValues(gene: g, into: &z)
                fitZ.replaceSubrange((g * m)..<(g * m + m), with: z)
            }
            var gram = [Double](repeating: 0, count: genes * genes)
            fitZ.withUnsafeBufferPointer { zp in
                for g in 0..<genes {
                    for h in 0...g {
                        var dot = 0.0
                        for i in 0..<m { dot += zp[g * m + i] * zp[h * m + i] }
                        gram[g * genes + h] = dot
                    }
                }
            }
            let eigen = SymmetricEigen(gram, n: genes)
            for c in 0..<count {
                let k = genes - 1 - c
                singular[c] = max(eigen.values[k], 0).squareRoot()
                loadings.replaceSubrange((c * genes)..<(c * genes + genes), with: eigen.vectors[(k * genes)..<(k * genes + genes)])
            }
        }
        for c in 0..<count {
            let v = (c * genes)..<(c * genes + genes)
            var largest = v.lowerBound
            for g in v where abs(loadings[g]) > abs(loadings[largest]) { largest = g }
            if loadings[largest] < 0 { for g in v { loadings[g] = -loadings[g] } }
        }
        // Scores of every individual: standardised values times the loadings.
        var scores = [Double](repeating: 0, count: n * count)
        var all = [Double](repeating: 0, count: n)
        for g in 0..<genes where count > 0 {
            standardise.allValues(gene: g, into: &all)
            for i in 0..<n {
                let zi = all[i]
                guard zi != 0 else { continue }
                for c in 0..<count { scores[i * count + c] += zi * loadings[c * genes + g] }
            }
        }
        self.loadings = loadings
        self.singularValues = singular
        self.scores = scores
    }
}

extension ExpressionPCs {
    /// Genes per update of the sample Gram matrix: each row of it is loaded and stored once per block.
    static let gramBlock = 8

    /// gram (m, m) lower triangle += sum over the block's genes b of z_b z_b^T; block (gramBlock, m) row-major.
    static func addBlockGram(_ gram: UnsafeMutablePointer<Double>, _ block: UnsafePointer<Double>, _ m: Int) {
        typealias V = SIMD4<Double>
        let z = (0..<gramBlock).map { block + $0 * m }
        for i in 0..<m {
            let row = gram + i * m
            let a0 = z[0][i], a1 = z[1][i], a2 = z[2][i], a3 = z[3][i], a4 = z[4][i], a5 = z[5][i], a6 = z[6][i], a7 = z[7][i]
            @inline(__always) func load(_ p: UnsafePointer<Double>, _ j: Int) -> V { UnsafeRawPointer(p + j).loadUnaligned(as: V.self) }
            var j = 0
            while j + 4 <= i + 1 {
                var acc = UnsafeRawPointer(row + j).loadUnaligned(as: V.self)
                acc.addProduct(load(z[0], j), a0); acc.addProduct(load(z[1], j), a1)
                acc.addProduct(load(z[2], j), a2); acc.addProduct(load(z[3], j), a3)
                acc.addProduct(load(z[4], j), a4); acc.addProduct(load(z[5], j), a5)
                acc.addProduct(load(z[6], j), a6); acc.addProduct(load(z[7], j), a7)
                UnsafeMutableRawPointer(row + j).storeBytes(of: acc, as: V.self)
                j += 4
            }
            while j <= i {
                var s = row[j]
                for b in 0..<gramBlock { s += z[b][i] * z[b][j] }
                row[j] = s
                j += 1
            }
        }
    }
}

/// The standardisation of `get_pcs` fitted on some individuals: z = (x - mean) / sd per gene (ddof 1; 0 for a gene
/// constant over the fit individuals), minus the mean of z over the fit individuals (scikit-learn's centring, ~0).
struct GeneStandardisation {
    let x: [Double]
    let individuals: Int
    let fit: [Int]
    /// Per gene: mean, 1 / sd (0 for a constant gene) and the fit individuals' mean of z.
    let mean: [Double], inverseSD: [Double], zMean: [Double]

    init(_ x: [Double], genes: Int, individuals n: Int, fit: [Int]) {
        self.x = x; individuals = n; self.fit = fit
        var mean = [Double](repeating: 0, count: genes), inverseSD = mean, zMean = mean
        let m = Double(fit.count)
        for g in 0..<genes {
            let base = g * n
            let first = x[base + fit[0]]
            var sum = 0.0, constant = true
            for i in fit { sum += x[base + i]; constant = constant && x[base + i] == first }
            let mu = sum / m
            var squares = 0.0
            for i in fit { squares += (x[base + i] - mu) * (x[base + i] - mu) }
            let sd = (squares / (m - 1)).squareRoot()
            mean[g] = mu
            inverseSD[g] = constant || sd == 0 ? 0 : 1 / sd
            var zSum = 0.0
            for i in fit { zSum += (x[base + i] - mu) * inverseSD[g] }
            zMean[g] = zSum / m
        }
        self.mean = mean; self.inverseSD = inverseSD; self.zMean = zMean
    }

    /// Gene g's centred standardised values over the fit individuals (in `fit` order).
    func fitValues(gene g: Int, into z: inout [Double]) {
        let base = g * individuals, mu = mean[g], s = inverseSD[g], c = zMean[g]
        for (k, i) in fit.enumerated() { z[k] = (x[base + i] - mu) * s - c }
    }

    /// Gene g's centred standardised values over every individual.
    func allValues(gene g: Int, into z: inout [Double]) {
        let base = g * individuals, mu = mean[g], s = inverseSD[g], c = zMean[g]
        for i in 0..<individuals { z[i] = (x[base + i] - mu) * s - c }
    }
}
