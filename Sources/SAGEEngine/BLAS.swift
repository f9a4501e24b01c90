import CBLAS

/// The BLAS library (OpenBLAS). The only file that imports CBLAS; GEMM wrappers for the kernels live here too.
public enum BLAS {
    /// Sets the number of threads BLAS routines use in this process (overrides OPENBLAS_NUM_THREADS).
    /// Changing it while another thread is inside OpenBLAS changes that call's blocking, and so its rounding (seen
    /// as last-bit differences between concurrent tests), so sage-mpi keeps OpenBLAS at 1 thread from its first call
    /// (`singleThreaded`) and a call that changes nothing does nothing.
    public static func setThreads(_ count: Int) {
        let n = Int32(max(1, count))
        if openblas_get_num_threads() != n { openblas_set_num_threads(n) }
    }

    /// OpenBLAS at 1 thread before its first routine runs in this process (sage-mpi splits large GEMMs over its
    /// own pool; the runtime also sets it at start-up). Evaluated once, thread-safely.
    static let singleThreaded: Void = setThreads(1)

    /// Threads BLAS routines use in this process.
    public static var threads: Int { Int(openblas_get_num_threads()) }

    /// Build configuration, e.g. "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH NO_AFFINITY Cooperlake MAX_THREADS=64".
    public static var config: String { String(cString: openblas_get_config()) }

    /// Kernel family chosen for this CPU at run time, e.g. "Cooperlake" or "Haswell".
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The OpenBLAS core type this CPU supports when OpenBLAS picked older kernels (it falls back to SSE3
    /// "Prescott" on a CPU it does not recognise, e.g. a VM reporting a generic model name, and matrix products
    /// then run 3-5x slower); nil when its choice is fine. Reads /proc/cpuinfo's flags (Linux).
    public static var betterCoreType: String? {
        let old: Set<String> = ["Prescott", "Core2", "Penryn", "Dunnington", "Nehalem", "Atom", "Katmai", "Coppermine", "Northwood", "Banias"]
        guard old.contains(coreName), let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flags = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") })?.split(separator: " ").map(String.init) else { return nil }
        let f = Set(flags)
        return f.isSuperset(of: ["avx512f", "avx512bw", "avx512dq", "avx512vl"]) ? "SkylakeX" : f.isSuperset(of: ["avx2", "fma"]) ? "Haswell" : nil
    }

    /// A warning for `betterCoreType` (when it could not be applied).
    public static var kernelWarning: String? {
        let better = betterCoreType
        return better.map { "OpenBLAS picked its \(coreName) kernels, older than this CPU (it did not recognise the CPU model): matrix products run several times slower; set OPENBLAS_CORETYPE=\($0) in the job's environment" }
    }
}

/// Row-major single-precision GEMM: C (m, n) = alpha * op(A) * op(B) + beta * C, where op(A) is (m, k) and
/// op(B) is (k, n); `lda`, `ldb`, `ldc` are the row strides of A, B and C as stored.
///
/// Threads: large products are split over `Parallel.available` threads into column blocks of C (or row blocks
/// when C has more rows than columns), each computed by single-threaded BLAS on sage-mpi's one thread pool.
/// OpenBLAS's own threads stay off (the runtime sets them to 1): its idle workers spin after every call (~8% of a
/// training step's cycles, competing with the element-wise kernels in between). Splitting never cuts the k sum; the
/// results still differ between thread counts by float rounding (OpenBLAS's edge tiles accumulate differently).
@inline(__always)
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    let splitColumns = n >= m
    let blocks = splitColumns ? n / gemmSplitAlignment : m / gemmSplitAlignment
    let flops = 2 * Double(m) * Double(n) * Double(k)
    let parts = min(Parallel.available, blocks, Int(flops / minimumGEMMFLOPsPerThread))
    guard parts > 1 else {
        return sgemmSerial(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                           beta: beta, c: c, ldc: ldc)
    }
    Parallel.forEachPart(parts) { p in
        let lo = p * blocks / parts * gemmSplitAlignment
        let hi = p == parts - 1 ? (splitColumns ? n : m) : (p + 1) * blocks / parts * gemmSplitAlignment
        if splitColumns {   // C[:, lo..<hi] = op(A) op(B)[:, lo..<hi]
            sgemmSerial(transA: transA, transB: transB, m: m, n: hi - lo, k: k, alpha: alpha, a: a, lda: lda,
                        b: transB ? b + lo * ldb : b + lo, ldb: ldb, beta: beta, c: c + lo, ldc: ldc)
        } else {            // C[lo..<hi, :] = op(A)[lo..<hi, :] op(B)
            sgemmSerial(transA: transA, transB: transB, m: hi - lo, n: n, k: k, alpha: alpha,
                        a: transA ? a + lo : a + lo * lda, lda: lda, b: b, ldb: ldb, beta: beta, c: c + lo * ldc, ldc: ldc)
        }
    }
}

/// Blocks of C a thread gets are multiples of this many rows or columns (whole micro-kernel tiles).
private let gemmSplitAlignment = 64
/// Below this much work per thread, waking another thread costs more than it saves.
private let minimumGEMMFLOPsPerThread = 4e6

@inline(__always)
func sgemmSerial(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                 b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
    BLAS.singleThreaded
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Column-major double-precision matrix-vector product: y (m or n) = alpha * op(A) * x + beta * y, A stored
/// (m, n) column-major with leading dimension `lda` (>= m); op(A) = Aᵀ when `transpose`.
@inline(__always)
public func dgemv(transpose: Bool, m: Int, n: Int, alpha: Double = 1, a: UnsafePointer<Double>, lda: Int,
                  x: UnsafePointer<Double>, beta: Double = 0, y: UnsafeMutablePointer<Double>) {
    BLAS.singleThreaded
    cblas_dgemv(CblasColMajor, transpose ? CblasTrans : CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
}
