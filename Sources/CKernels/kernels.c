// See include/CKernels.h. Vectors are GCC/clang vector types: 8 doubles are one AVX-512 register in the
// AVX-512 build of a kernel and two AVX2 registers (or four SSE ones) in the baseline build.
#include "CKernels.h"

// An unaligned, aliasing view of 8 doubles (loads and stores through it are plain vector moves).
typedef double v8d __attribute__((vector_size(64), aligned(8), may_alias));
#define LOAD8(p) (*(const v8d *)(p))
#define STORE8(p, v) (*(v8d *)(p) = (v))

static inline __attribute__((always_inline))
long seqlet_convolve(const double *prev, long prevCount, const long *js, const double *ws, long n, long outputs,
                     double *out) {
    long first = n, last = n, visited = 0;  // js[first..<last]: the bins in (t0 - prevCount, t0 + 47], descending
    for (long t0 = 0; t0 < outputs; t0 += 48) {
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

long sage_seqlet_convolve_baseline(const double *prev, long prevCount, const long *js, const double *ws, long n,
                                   long outputs, double *out) {
    return seqlet_convolve(prev, prevCount, js, ws, n, outputs, out);
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
long sage_seqlet_convolve_avx512(const double *prev, long prevCount, const long *js, const double *ws, long n,
                                 long outputs, double *out) {
    return seqlet_convolve(prev, prevCount, js, ws, n, outputs, out);
}

int sage_kernels_have_avx512(void) { return __builtin_cpu_supports("avx512f"); }
#else
long sage_seqlet_convolve_avx512(const double *prev, long prevCount, const long *js, const double *ws, long n,
                                 long outputs, double *out) {
    return seqlet_convolve(prev, prevCount, js, ws, n, outputs, out);
}

int sage_kernels_have_avx512(void) { return 0; }
#endif

long sage_seqlet_convolve(const double *prev, long prevCount, const long *js, const double *ws, long n, long outputs,
                          double *out) {
    return sage_kernels_have_avx512() ? sage_seqlet_convolve_avx512(prev, prevCount, js, ws, n, outputs, out)
                                      : sage_seqlet_convolve_baseline(prev, prevCount, js, ws, n, outputs, out);
}
