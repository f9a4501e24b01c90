// See include/CKernels.h. Vectors are GCC/clang vector types: 8 doubles are one AVX-512 register in the
// AVX-512 build of a kernel and two AVX2 registers (or four SSE ones) in the baseline build.
#include "CKernels.h"

// An unaligned, aliasing view of 8 doubles (loads and stores through it are plain vector moves).
typedef double v8d __attribute__((vector_size(64), aligned(8), may_alias));
#define LOAD8(p) (*(const v8d *)(p))
#define STORE8(p, v) (*(v8d *)(p) = (v))

static inline __attribute__((always_inline))
long seqlet_convolve(const double *prev, long prevCount, const long *js, const double *ws, long n, long from,
                     long outputs, double *out) {
    long first = n, last = n, visited = 0;  // js[first..<last]: the bins in (t0 - prevCount, t0 + 47], descending
    for (long t0 = from; t0 < outputs; t0 += 48) {
        while (first > 0 && js[first - 1] <= t0 + 47) first--;
        while (last > 0 && js[last - 1] <= t0 - prevCount) last--;
        v8d a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0}, a4 = {0}, a5 = {0};
        const double *base = prev + t0;
        for (long q = first; q < last; q++) {
            const double w = ws[q], *p = base - js[q];
            a0 += w * LOAD8(p);
            a1 += w * LOAD8(p + 8);
            a2 += w * LOAD8(p + 16);
            a3 += w * LOAD8(p + 24);
            a4 += w * LOAD8(p + 32);
            a5 += w * LOAD8(p + 40);
        }
        if (last > first) visited += last - first;
        double *o = out + t0;
        STORE8(o, a0); STORE8(o + 8, a1); STORE8(o + 16, a2); STORE8(o + 24, a3); STORE8(o + 32, a4); STORE8(o + 40, a5);
    }
    return visited;
}

// See CKernels.h. prev goes into padded between 7 zeros before it and at least 25 after, so that a pass of g taps
// t ... t-g+1 adds to every output it reaches in one vector loop: out[b + q] += sum over r ascending of f[t - r] *
// padded[q + r + 7 - (g - 1)] (b = t - g + 1, q in 0 ..< pn + g - 1), the edge outputs' missing terms being
// products with +0. Eight taps per pass, then four (taps below 0 are +0 too). f and prev are >= 0, so each added
// +0 changes no sum, and every output gets its terms in the same order as memelite's scatter. Each pass runs whole
// vectors of 8 outputs: up to 7 entries past out's end are written, and reads stay inside padded's zeros.
static inline __attribute__((always_inline))
void tomtom_convolve(const double *prev, long pn, const double *f, long fn, double *out, double *padded) {
    const long pad = 7;
    for (long i = 0; i < pad; i++) padded[i] = 0;
    for (long i = 0; i < pn; i++) padded[pad + i] = prev[i];
    for (long i = pad + pn; i < pn + 32; i++) padded[i] = 0;
    long t = fn - 1;
    while (t >= 7) {  // eight taps t ... t-7 into outputs t-7 ... t-7+pn+6
        double *dst = out + (t - 7);
        const long n = pn + 7;
        const double c0 = f[t], c1 = f[t - 1], c2 = f[t - 2], c3 = f[t - 3];
        const double c4 = f[t - 4], c5 = f[t - 5], c6 = f[t - 6], c7 = f[t - 7];
        for (long q = 0; q < n; q += 8) {
            v8d x = LOAD8(dst + q);
            x += c0 * LOAD8(padded + q);
            x += c1 * LOAD8(padded + q + 1);
            x += c2 * LOAD8(padded + q + 2);
            x += c3 * LOAD8(padded + q + 3);
            x += c4 * LOAD8(padded + q + 4);
            x += c5 * LOAD8(padded + q + 5);
            x += c6 * LOAD8(padded + q + 6);
            x += c7 * LOAD8(padded + q + 7);
            STORE8(dst + q, x);
        }
        t -= 8;
    }
    while (t >= 0) {  // four taps t ... t-3 (those below 0 are +0) into outputs from t-3 (those below 0 skipped)
        const long b = t - 3, n = pn + 3;
        const double *src = padded + (pad - 3);
        const double c0 = f[t], c1 = t >= 1 ? f[t - 1] : 0, c2 = t >= 2 ? f[t - 2] : 0, c3 = t >= 3 ? f[t - 3] : 0;
        for (long q = b < 0 ? -b : 0; q < n; q += 8) {
            v8d x = LOAD8(out + b + q);
            x += c0 * LOAD8(src + q);
            x += c1 * LOAD8(src + q + 1);
            x += c2 * LOAD8(src + q + 2);
            x += c3 * LOAD8(src + q + 3);
            STORE8(out + b + q, x);
        }
        t -= 4;
    }
}

// See CKernels.h. ROWS is a constant in each call below, so the row loop unrolls and the sums and row pointers stay
// in registers (one pointer per row: each row's sums are at a common distance from it).
static inline __attribute__((always_inline))
void running_sums_rows(double *const *x, long delta, double *a, long k, long end, const int ROWS) {
    double *xr[8], acc[8];
    for (int r = 0; r < ROWS; r++) { xr[r] = x[r]; acc[r] = a[r]; }
    for (; k < end; k++)
        for (int r = 0; r < ROWS; r++) { acc[r] += xr[r][k]; xr[r][k + delta] = acc[r]; }
    for (int r = 0; r < ROWS; r++) a[r] = acc[r];
}

void sage_running_sums(double *const *x, long delta, const long *n, long m) {
    double a[8] = {0};
    long k = 0;
    for (long live = m < 8 ? m : 8; live > 0; live--) {  // rows 0 ..< live up to the end of row live - 1
        const long end = n[live - 1];
        if (end <= k) continue;
        switch (live) {
        case 8: running_sums_rows(x, delta, a, k, end, 8); break;
        case 7: running_sums_rows(x, delta, a, k, end, 7); break;
        case 6: running_sums_rows(x, delta, a, k, end, 6); break;
        case 5: running_sums_rows(x, delta, a, k, end, 5); break;
        case 4: running_sums_rows(x, delta, a, k, end, 4); break;
        case 3: running_sums_rows(x, delta, a, k, end, 3); break;
        case 2: running_sums_rows(x, delta, a, k, end, 2); break;
        default: running_sums_rows(x, delta, a, k, end, 1); break;
        }
        k = end;
    }
}

// See CKernels.h. Vectors of 8 inside each part, the same operations on the part's last few elements one by one.
static inline __attribute__((always_inline))
void tomtom_max_update(double *x, const double *xcs, long lo, long hi, const double *y, const double *ycs, long wLo,
                       long wHi, double K, long mark) {
    long k = lo;
    const long below = wLo < hi ? wLo : hi;
    for (; k < below; k++) x[k] = 0;
    const long end = wHi < hi ? wHi : hi;
    for (; k + 8 <= end; k += 8) {
        const v8d xv = LOAD8(x + k), yv = LOAD8(y + k);
        STORE8(x + k, xv * LOAD8(ycs + k) + yv * LOAD8(xcs + k) - xv * yv);
    }
    for (; k < end; k++) x[k] = x[k] * ycs[k] + y[k] * xcs[k] - x[k] * y[k];
    const long scaled = mark < hi ? mark : hi;
    for (; k + 8 <= scaled; k += 8) STORE8(x + k, LOAD8(x + k) * K);
    for (; k < scaled; k++) x[k] = x[k] * K;
}

void sage_tomtom_max_update_baseline(double *x, const double *xcs, long lo, long hi, const double *y, const double *ycs,
                                     long wLo, long wHi, double K, long mark) {
    tomtom_max_update(x, xcs, lo, hi, y, ycs, wLo, wHi, K, mark);
}

void sage_tomtom_convolve_baseline(const double *prev, long pn, const double *f, long fn, double *out, double *padded) {
    tomtom_convolve(prev, pn, f, fn, out, padded);
}

long sage_seqlet_convolve_baseline(const double *prev, long prevCount, const long *js, const double *ws, long n,
                                   long from, long outputs, double *out) {
    return seqlet_convolve(prev, prevCount, js, ws, n, from, outputs, out);
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
long sage_seqlet_convolve_avx512(const double *prev, long prevCount, const long *js, const double *ws, long n,
                                 long from, long outputs, double *out) {
    return seqlet_convolve(prev, prevCount, js, ws, n, from, outputs, out);
}

__attribute__((target("avx512f")))
void sage_tomtom_convolve_avx512(const double *prev, long pn, const double *f, long fn, double *out, double *padded) {
    tomtom_convolve(prev, pn, f, fn, out, padded);
}

__attribute__((target("avx512f")))
void sage_tomtom_max_update_avx512(double *x, const double *xcs, long lo, long hi, const double *y, const double *ycs,
                                   long wLo, long wHi, double K, long mark) {
    tomtom_max_update(x, xcs, lo, hi, y, ycs, wLo, wHi, K, mark);
}

int sage_kernels_have_avx512(void) { return __builtin_cpu_supports("avx512f"); }
#else
long sage_seqlet_convolve_avx512(const double *prev, long prevCount, const long *js, const double *ws, long n,
                                 long from, long outputs, double *out) {
    return seqlet_convolve(prev, prevCount, js, ws, n, from, outputs, out);
}

void sage_tomtom_convolve_avx512(const double *prev, long pn, const double *f, long fn, double *out, double *padded) {
    tomtom_convolve(prev, pn, f, fn, out, padded);
}

void sage_tomtom_max_update_avx512(double *x, const double *xcs, long lo, long hi, const double *y, const double *ycs,
                                   long wLo, long wHi, double K, long mark) {
    tomtom_max_update(x, xcs, lo, hi, y, ycs, wLo, wHi, K, mark);
}

int sage_kernels_have_avx512(void) { return 0; }
#endif

long sage_seqlet_convolve(const double *prev, long prevCount, const long *js, const double *ws, long n, long from,
                          long outputs, double *out) {
    return sage_kernels_have_avx512() ? sage_seqlet_convolve_avx512(prev, prevCount, js, ws, n, from, outputs, out)
                                      : sage_seqlet_convolve_baseline(prev, prevCount, js, ws, n, from, outputs, out);
}

void sage_tomtom_convolve(const double *prev, long pn, const double *f, long fn, double *out, double *padded) {
    if (sage_kernels_have_avx512()) sage_tomtom_convolve_avx512(prev, pn, f, fn, out, padded);
    else sage_tomtom_convolve_baseline(prev, pn, f, fn, out, padded);
}

void sage_tomtom_max_update(double *x, const double *xcs, long lo, long hi, const double *y, const double *ycs,
                            long wLo, long wHi, double K, long mark) {
    if (sage_kernels_have_avx512()) sage_tomtom_max_update_avx512(x, xcs, lo, hi, y, ycs, wLo, wHi, K, mark);
    else sage_tomtom_max_update_baseline(x, xcs, lo, hi, y, ycs, wLo, wHi, K, mark);
}
