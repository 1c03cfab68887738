//===--- LossesAVX2.h -----------------------------------------------------===//
//
// The AVX2 and FMA loops of the hottest Float32 kernels, for the module
// `Losses` to call when the CPU runs them (`losses_avx2_fma_available`).
//
// Swift has no way to compile one function for a CPU feature the rest of the
// module does not assume, and the default (baseline x86-64) build has neither
// 256-bit vectors nor fused multiply-add. These functions are compiled with
// `__attribute__((target("avx2,fma")))`, so the default build gets them too,
// selected at run time (and one prefetch hint, `losses_prefetch`, which any
// x86-64 has). Each loop computes exactly what its Swift counterpart
// in `Losses` documents (same reductions, same polynomials, same summation
// blocks); fused multiply-adds only remove roundings from that analysis.
// Not API: `Losses` wraps them.
//
//===----------------------------------------------------------------------===//

#ifndef LOSSES_AVX2_H
#define LOSSES_AVX2_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A hint to bring the cache line at p into the caches (any address: a prefetch never faults).
/// Baseline x86-64 has it, so the Swift loops use it too (`LaneSum`).
static inline void losses_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// 1 when the CPU has AVX2 and FMA and the OS saves the 256-bit registers, else 0.
int losses_avx2_fma_available(void);

#if defined(__x86_64__)

/// The maximum of x[0..<n] (n ≥ 1), its minimum in *min; *finite is set to 0 when an element
/// is NaN or ±∞, else 1.
float losses_avx2_row_max(const float *x, long n, float *min, int *finite);

/// Σ e^(x − c − K·ln 2) over x[0..<n] in Double, each term as `CrossentropyMath.expShifted`
/// computes it: offset = c, floor = m − c − 87 (the clamp), bias = (127 − K)·2²³; min, the row's
/// minimum, lets the loop skip the clamp when nothing reaches it. The next row (x + n) and, when
/// labels is not NULL, the n floats at labels are prefetched meanwhile (any address: a prefetch
/// never faults).
double losses_avx2_shifted_exp_sum(const float *x, long n, float offset, float floor, int32_t bias,
                                   float min, const float *labels);

/// One term of `losses_avx2_shifted_exp_sum`, by the same vector code.
float losses_avx2_shifted_exp(float x, float offset, float floor, int32_t bias);

/// The categorical label sums of one row: sums[0] = Σy, sums[1] = Σ y·(m − x), and when with_gaps
/// is nonzero sums[2] = Σ (m − x) (else 0), with m = max, the row's maximum; in Float blocks of 64
/// added in Double (without the gaps, blocks whose labels are all +0 are skipped).
void losses_avx2_label_sums(const float *y, const float *x, long n, float max, int with_gaps,
                            double sums[3]);

/// Σ log f over a lane for the binary crossentropy of probabilities with labels 0 and 1
/// (f = p_c or 1 − p_c), as `logProductSum` over `HardLabelProbabilitySplit`: returns 1 with the
/// sum in *sum (the terms are its negation), or 0 when a label is not 0 or 1 or a p is NaN or ±∞.
int losses_avx2_binary_probability_log_sum(const float *y, const float *p, long n, double *sum);

/// Σ over a lane of the binary crossentropy from logits, max(x, 0) − t·x + log(1 + e^−|x|) with
/// t = y·scale + shift, as `logProductSum` over `HardLabelLogitSplit` (hard ≠ 0: labels 0 and 1,
/// no smoothing; scale and shift unused) or `SoftLabelLogitSplit`. Returns 1 with the sum in
/// *sum, or 0 when the lane leaves that domain (|x| > 86, NaN or ±∞, or a hard label that is not
/// 0 or 1): the caller then takes the terms one by one.
int losses_avx2_binary_logit_sum(const float *y, const float *x, long n, int hard, double scale,
                                 double shift, double *sum);

/// Σ (y − p)² (absolute = 0) or Σ |y − p| (absolute ≠ 0) over y[0..<n] and p[0..<n] in Float
/// blocks of 64 added in Double, as `LaneSum.sum` computes it for `SquaredDifference` and
/// `AbsoluteDifference`.
double losses_avx2_difference_sum(const float *y, const float *p, long n, int absolute);

/// Σ y_c·log(y_c/p_c) over a lane, y_c and p_c clipped to [1e-7, 1], as `WideLog.klFloatLane`:
/// Float blocks of 32 added in Double; a block with a NaN is summed in scalar Double.
double losses_avx2_kl_sum(const float *y, const float *p, long n);

#endif

#ifdef __cplusplus
}
#endif

#endif
