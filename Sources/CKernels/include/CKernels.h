// Hot double-precision kernels, in C so that each is built twice, for AVX-512 and for the build's target CPU, the
// first used where the CPU has AVX-512 (checked at each call: one load). Both do the same multiplies and adds in
// the same order (no fused multiply-add: -ffp-contract=off), so their results are bitwise equal on any CPU.
#ifndef SAGE_CKERNELS_H
#define SAGE_CKERNELS_H

// tangermeme's null convolution step (SeqletCaller.buildNull): out[t] = sum over q = 0, 1, ... of
// prev[t - js[q]] * ws[q] (from +0.0, in that order) for t in from ..< outputs rounded up to 48 (from a multiple of
// 48), with js[0 ..< n] descending and ws[q] = f[js[q]] != 0. prev is read from from - max(js) to outputs + 48 and
// taken as zero outside [0, prevCount) (it must be readable, and zero, from -48 to 0 and from prevCount on); out
// has room for outputs rounded up to 48. Returns the number of (block of 48, bin) pairs visited.
long sage_seqlet_convolve(const double *prev, long prevCount, const long *js, const double *ws, long n, long from,
                          long outputs, double *out);

// The two builds behind sage_seqlet_convolve.
long sage_seqlet_convolve_baseline(const double *prev, long prevCount, const long *js, const double *ws, long n,
                                   long from, long outputs, double *out);
long sage_seqlet_convolve_avx512(const double *prev, long prevCount, const long *js, const double *ws, long n,
                                 long from, long outputs, double *out);

// memelite's span convolution step (TomtomBackground.build): out[t + k] += f[t] * prev[k] for k in 0 ..< pn and
// taps t from fn - 1 down to 0, so that each output gets its terms in ascending k. out holds pn + fn - 1 entries and
// 7 more of slack, which are written (their values are unspecified); padded is scratch of pn + 32 entries. f and prev
// must be >= 0 (the passes add products with +0 at the edges, which changes no such sum).
void sage_tomtom_convolve(const double *prev, long pn, const double *f, long fn, double *out, double *padded);

// One step of Tomtom's chain of maxima (TomtomBackground): x = max(x, y) in place for bins k in [lo, hi), as the
// pdf of the maximum z = x * Y + y * X - x * y (X = xcs, the running sums of x; Y = ycs, those of y, whose window
// is [wLo, wHi)): +0 below the window, the formula in it, x * K above it up to mark (Y is K there) and x itself from
// mark on (Y is 1). The pointers are indexed by bin.
void sage_tomtom_max_update(double *x, const double *xcs, long lo, long hi, const double *y, const double *ycs,
                            long wLo, long wHi, double K, long mark);

// Running sums of m <= 8 rows at once (TomtomBackground.RunningSums): x[r][k + delta] = x[r][0] + ... + x[r][k],
// from +0.0 in ascending k, for k in 0 ..< n[r], with n descending (each row's sums are delta entries after it). The
// rows' serial sums are interleaved, so that their add latencies overlap (one build: nothing here vectorises).
void sage_running_sums(double *const *x, long delta, const long *n, long m);

// The two builds behind each kernel (the AVX-512 one only where sage_kernels_have_avx512() is 1).
void sage_tomtom_convolve_baseline(const double *prev, long pn, const double *f, long fn, double *out, double *padded);
void sage_tomtom_convolve_avx512(const double *prev, long pn, const double *f, long fn, double *out, double *padded);
void sage_tomtom_max_update_baseline(double *x, const double *xcs, long lo, long hi, const double *y, const double *ycs,
                                     long wLo, long wHi, double K, long mark);
void sage_tomtom_max_update_avx512(double *x, const double *xcs, long lo, long hi, const double *y, const double *ycs,
                                   long wLo, long wHi, double K, long mark);
int sage_kernels_have_avx512(void);

#endif
