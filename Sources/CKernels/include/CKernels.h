// Hot double-precision kernels, in C so that each is built twice, for AVX-512 and for the build's target CPU, the
// first used where the CPU has AVX-512 (checked at each call: one load). Both do the same multiplies and adds in
// the same order (no fused multiply-add: -ffp-contract=off), so their results are bitwise equal on any CPU.
#ifndef SAGE_CKERNELS_H
#define SAGE_CKERNELS_H

// tangermeme's null convolution step (SeqletCaller.buildNull): out[t] = sum over q = 0, 1, ... of
// prev[t - js[q]] * ws[q] (from +0.0, in that order) for t in 0 ..< outputs rounded up to 48, with js[0 ..< n]
// descending and ws[q] = f[js[q]] != 0. prev is readable from -max(js) to outputs + 48 and zero outside
// [0, prevCount); out has room for outputs rounded up to 48. Returns the number of (block of 48, bin) pairs visited.
long sage_seqlet_convolve(const double *prev, long prevCount, const long *js, const double *ws, long n, long outputs,
                          double *out);

// The two builds behind sage_seqlet_convolve (the AVX-512 one only where sage_kernels_have_avx512() is 1).
long sage_seqlet_convolve_baseline(const double *prev, long prevCount, const long *js, const double *ws, long n,
                                   long outputs, double *out);
long sage_seqlet_convolve_avx512(const double *prev, long prevCount, const long *js, const double *ws, long n,
                                 long outputs, double *out);
int sage_kernels_have_avx512(void);

#endif
