//===--- BinaryLogits.c - Σ of binary crossentropy terms from logits ------===//
//
// The AVX2 and FMA form of `HardLabelLogitSplit` and `SoftLabelLogitSplit`
// summed by `logProductSum` over a `Log1pProduct`: each term is
// linear + log(1 + v), v = e^−|x|, and a lane's logarithms add up as
// log(1 + D) with D = Π(1 + vᵢ) − 1 carried directly (D ← D + v·(1 + D), one
// fused multiply-add), so one log1p ends the lane instead of one log per
// element. v comes from `expWide`'s form (the same reduction and polynomial
// as `CrossentropyMath.expWide`, 0.4u relative), the linear part is the exact
// Float max(s, 0) for labels 0 and 1 (s = x or −x) and max(x, 0) − t·x in
// Double (one rounding with FMA) otherwise.
//
//===----------------------------------------------------------------------===//

#include "LossesAVX2.h"

#if defined(__x86_64__)
#include "Vector.h"
#include <math.h>

/// e^a for eight lanes of a ∈ [−86, 0] as Doubles (low and high four): 2ᵏ·(1 + rHi) split
/// exactly into s + s₁, plus 2ᵏ·(s₁ + w), added in Double.
AVX2_FMA static inline void exp_wide(__m256 a, __m256d *low, __m256d *high) {
  ExpParts e = exp_polynomial(exp_reduction(a));
  __m256 s = _mm256_add_ps(_mm256_set1_ps(1), e.rHi);
  __m256 sTail = _mm256_sub_ps(e.rHi, _mm256_sub_ps(s, _mm256_set1_ps(1)));  // exact: |rHi| < 1
  __m256 scale = power_of_two(e.t, _mm256_set1_epi32(0x3f800000));
  __m256 head = _mm256_mul_ps(s, scale);  // exact: a normal power of two times s
  __m256 tail = _mm256_mul_ps(_mm256_add_ps(sTail, e.w), scale);
  *low = _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(head)),
                       _mm256_cvtps_pd(_mm256_castps256_ps128(tail)));
  *high = _mm256_add_pd(_mm256_cvtps_pd(_mm256_extractf128_ps(head, 1)),
                        _mm256_cvtps_pd(_mm256_extractf128_ps(tail, 1)));
}

/// The running state of one lane sum: the linear parts, D of eight lanes and the binary exponent
/// taken out of them (`Log1pProduct`), and what leaves the domain (zero while it holds).
typedef struct {
  __m256d linear[2], excess[2];
  int64_t exponent;
  __m256 domain;
} LogitSum;

/// The terms of eight elements as linear parts and v = e^−|x| (low and high four lanes each),
/// adding to `domain` what leaves it. `hard`: labels 0 and 1, no smoothing.
AVX2_FMA static inline void split_terms(__m256 y, __m256 x, int hard, __m256d scale, __m256d shift,
                                        __m256 *domain, __m256d linear[2], __m256d v[2]) {
  const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1), signBit = _mm256_set1_ps(-0.0f);
  __m256 a = _mm256_or_ps(x, signBit);  // −|x|
  // max(|x| − 86, 0) (NaN for NaN), and for hard labels |y·(1 − y)| (zero only for 0 and 1),
  // else |y·0| (NaN for NaN and ±∞).
  // (maxps returns its second operand when either is NaN: the difference goes second.)
  __m256 outside = _mm256_max_ps(zero, _mm256_sub_ps(_mm256_sub_ps(zero, a), _mm256_set1_ps(86)));
  __m256 label = _mm256_andnot_ps(signBit, _mm256_mul_ps(y, hard ? _mm256_sub_ps(one, y) : zero));
  *domain = _mm256_add_ps(*domain, _mm256_add_ps(label, outside));
  if (hard) {
    // max(s, 0) with s = x for y = 0 and −x for y = 1: exact.
    __m256 positive = _mm256_max_ps(_mm256_mul_ps(x, _mm256_sub_ps(one, _mm256_add_ps(y, y))), zero);
    linear[0] = _mm256_cvtps_pd(_mm256_castps256_ps128(positive));
    linear[1] = _mm256_cvtps_pd(_mm256_extractf128_ps(positive, 1));
  } else {
    // max(x, 0) − t·x, t = y·scale + shift, in Double.
    __m256 positive = _mm256_max_ps(x, zero);
    for (int h = 0; h < 2; h++) {
      __m128 yh = h == 0 ? _mm256_castps256_ps128(y) : _mm256_extractf128_ps(y, 1);
      __m128 xh = h == 0 ? _mm256_castps256_ps128(x) : _mm256_extractf128_ps(x, 1);
      __m128 ph = h == 0 ? _mm256_castps256_ps128(positive) : _mm256_extractf128_ps(positive, 1);
      __m256d t = _mm256_fmadd_pd(_mm256_cvtps_pd(yh), scale, shift);
      linear[h] = _mm256_fnmadd_pd(t, _mm256_cvtps_pd(xh), _mm256_cvtps_pd(ph));
    }
  }
  exp_wide(a, &v[0], &v[1]);
}

/// Adds the linear parts and steps D ← D + v·(1 + D) in each lane.
AVX2_FMA static inline void accumulate(LogitSum *sum, const __m256d linear[2], const __m256d v[2]) {
  for (int h = 0; h < 2; h++) {
    sum->linear[h] = _mm256_add_pd(sum->linear[h], linear[h]);
    sum->excess[h] = _mm256_fmadd_pd(v[h], _mm256_add_pd(_mm256_set1_pd(1), sum->excess[h]), sum->excess[h]);
  }
}

/// Moves the binary exponent of lanes whose 1 + D passed 2⁶⁴ into the integer exponent.
AVX2_FMA static void renormalize(LogitSum *sum) {
  for (int h = 0; h < 2; h++) {
    if (!_mm256_movemask_pd(_mm256_cmp_pd(sum->excess[h], _mm256_set1_pd(0x1p64), _CMP_GT_OQ))) continue;
    double lanes[4];
    _mm256_storeu_pd(lanes, sum->excess[h]);
    for (int j = 0; j < 4; j++) {
      if (!(lanes[j] > 0x1p64)) continue;
      int binary;
      double mantissa = frexp(1 + lanes[j], &binary);  // 1 + D = mantissa·2^binary, mantissa ∈ [½, 1)
      sum->exponent += binary - 1;
      lanes[j] = 2 * mantissa - 1;
    }
    sum->excess[h] = _mm256_loadu_pd(lanes);
  }
}

/// Whether nothing has left the domain.
AVX2_FMA static inline int in_domain(__m256 domain) {
  return _mm256_movemask_ps(_mm256_cmp_ps(domain, _mm256_setzero_ps(), _CMP_NEQ_UQ)) == 0;
}

AVX2_FMA static inline int logit_sum(const float *y, const float *x, long n, int hard, double scale_,
                                     double shift_, double *result) {
  const __m256d scale = _mm256_set1_pd(scale_), shift = _mm256_set1_pd(shift_);
  LogitSum sum = {{_mm256_setzero_pd(), _mm256_setzero_pd()}, {_mm256_setzero_pd(), _mm256_setzero_pd()}, 0,
                  _mm256_setzero_ps()};
  __m256d linear[2], v[2];
  long vectorEnd = n - n % 8, i = 0;
  while (i < vectorEnd) {
    // Blocks of 32 vectors: 1 + D at most doubles a step, so it stays below 2⁶⁴·2³² < 2¹⁰²⁴.
    long blockEnd = vectorEnd - i < 256 ? vectorEnd : i + 256;
    for (; i < blockEnd; i += 8) {
      split_terms(_mm256_loadu_ps(y + i), _mm256_loadu_ps(x + i), hard, scale, shift, &sum.domain, linear, v);
      accumulate(&sum, linear, v);
    }
    renormalize(&sum);
    if (!in_domain(sum.domain)) return 0;
  }
  if (i < n) {
    // The padding (0, 0) is inside the domain; its lanes add nothing (linear 0, v = 0).
    __m256i live = lanes_below(n - i);
    split_terms(load_partial(y + i, n - i, 0), load_partial(x + i, n - i, 0), hard, scale, shift, &sum.domain,
                linear, v);
    for (int h = 0; h < 2; h++) {
      __m256d keep = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(
        h == 0 ? _mm256_castsi256_si128(live) : _mm256_extracti128_si256(live, 1)));
      linear[h] = _mm256_and_pd(linear[h], keep);
      v[h] = _mm256_and_pd(v[h], keep);
    }
    accumulate(&sum, linear, v);
    if (!in_domain(sum.domain)) return 0;
  }
  // The lanes folded as a ninth lane would add them, then one log1p.
  double excess[8], total = 0;
  _mm256_storeu_pd(excess, sum.excess[0]);
  _mm256_storeu_pd(excess + 4, sum.excess[1]);
  for (int j = 0; j < 8; j++) total = fma(excess[j], 1 + total, total);
  double linearSum = sum_lanes(_mm256_add_pd(sum.linear[0], sum.linear[1]));
  *result = linearSum + (log1p(total) + (double)sum.exponent * 0x1.62e42fefa39efp-1);
  return 1;
}

AVX2_FMA int losses_avx2_binary_logit_sum(const float *y, const float *x, long n, int hard, double scale,
                                          double shift, double *sum) {
  return hard ? logit_sum(y, x, n, 1, 1, 0, sum) : logit_sum(y, x, n, 0, scale, shift, sum);
}

#endif
