//===--- KLDivergence.c - Σ y·log(y/p) over a lane ------------------------===//
//
// The AVX2 and FMA form of `WideLog.klFloatLane` and `klFloatTerm`: y and p
// clipped to [1e-7, 1] and split as 2^ky·a and 2^kp·b with a, b ∈ [√½, √2)
// (exact integer operations), log(y/p) = k·ln 2 + 2·atanh(s) with
// s = (a − b)/(a + b) (a − b exact), the series to s¹³ by Estrin's scheme.
// The fused multiply-adds (the series, k·ln2_lo + tail, k·ln2_hi + rest with
// k·ln2_hi exact) only drop roundings from the Swift form's bound: about 1.6u
// relative to the logarithm plus ½u for the product; blocks of 32 are summed
// in Float (≤ 2u·Σ|terms|) and added in Double. The loop runs over chunks of
// eight blocks in two passes: every ratio first (to the division), kept in
// L1, then every series. One pass held too few independent terms in the
// out-of-order window (a term is a chain of some 75 cycles): 11–30 % slower.
//
//===----------------------------------------------------------------------===//

#include "LossesAVX2.h"

#if defined(__x86_64__)
#include "Vector.h"
#include <math.h>

/// x clipped to [1e-7, 1] (a NaN lane gives 1e-7 or 1: callers check for NaN themselves).
AVX2_FMA static inline __m256 clip_to_unit(__m256 x) {
  return _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(1e-7f)), _mm256_set1_ps(1));
}

/// The first half of y_c·log(y_c/p_c): y_c, and log(y_c/p_c) reduced to k·ln 2 + 2·atanh(s).
typedef struct {
  __m256 yc, k, s;
} KLRatio;

/// `KLRatio` for eight lanes without NaN: the clips, the exact splits and the division.
AVX2_FMA static inline KLRatio kl_ratio(__m256 y, __m256 p) {
  const __m256i sqrtHalf = _mm256_set1_epi32(0x3F3504F3), mantissa = _mm256_set1_epi32(0x007FFFFF);
  KLRatio r;
  r.yc = clip_to_unit(y);
  __m256 pc = clip_to_unit(p);
  __m256i iy = _mm256_sub_epi32(_mm256_castps_si256(r.yc), sqrtHalf);
  __m256i ip = _mm256_sub_epi32(_mm256_castps_si256(pc), sqrtHalf);
  __m256 a = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_and_si256(iy, mantissa), sqrtHalf));
  __m256 b = _mm256_castsi256_ps(_mm256_add_epi32(_mm256_and_si256(ip, mantissa), sqrtHalf));
  r.k = _mm256_cvtepi32_ps(_mm256_sub_epi32(_mm256_srai_epi32(iy, 23), _mm256_srai_epi32(ip, 23)));
  r.s = _mm256_div_ps(_mm256_sub_ps(a, b), _mm256_add_ps(a, b));
  return r;
}

/// The second half: y_c·(k·ln 2 + 2·atanh(s)), the series by Estrin's scheme.
AVX2_FMA static inline __m256 kl_series(KLRatio r) {
  __m256 z = _mm256_mul_ps(r.s, r.s);
  __m256 z2 = _mm256_mul_ps(z, z);
  __m256 q01 = _mm256_fmadd_ps(z, _mm256_set1_ps(2.0f / 5), _mm256_set1_ps(2.0f / 3));
  __m256 q23 = _mm256_fmadd_ps(z, _mm256_set1_ps(2.0f / 9), _mm256_set1_ps(2.0f / 7));
  __m256 q45 = _mm256_fmadd_ps(z, _mm256_set1_ps(2.0f / 13), _mm256_set1_ps(2.0f / 11));
  __m256 q = _mm256_fmadd_ps(z2, _mm256_fmadd_ps(z2, q45, q23), q01);
  __m256 tail = _mm256_mul_ps(_mm256_mul_ps(r.s, z), q);
  __m256 rest = _mm256_add_ps(_mm256_add_ps(r.s, r.s), _mm256_fmadd_ps(r.k, _mm256_set1_ps(0x1.7f7d1cp-20f), tail));
  return _mm256_mul_ps(r.yc, _mm256_fmadd_ps(r.k, _mm256_set1_ps(0x1.62e400p-1f), rest));
}

/// y_c·log(y_c/p_c) for eight lanes without NaN.
AVX2_FMA static inline __m256 kl_term(__m256 y, __m256 p) {
  return kl_series(kl_ratio(y, p));
}

/// A block's four vectors of terms summed pairwise in Float.
AVX2_FMA static inline __m256 kl_block(const KLRatio r[4]) {
  return _mm256_add_ps(_mm256_add_ps(kl_series(r[0]), kl_series(r[1])),
                       _mm256_add_ps(kl_series(r[2]), kl_series(r[3])));
}

/// Whether any lane of y or p is NaN.
AVX2_FMA static inline int has_nan(__m256 y, __m256 p) {
  return _mm256_movemask_ps(_mm256_cmp_ps(y, p, _CMP_UNORD_Q)) != 0;
}

/// The reference's term in Double, NaN included.
static double kl_scalar(float y, float p) {
  if (isnan(y) || isnan(p)) return NAN;
  double yc = y < 1e-7f ? 1e-7f : (y > 1 ? 1 : y);
  double pc = p < 1e-7f ? 1e-7f : (p > 1 ? 1 : p);
  return yc * log(yc / pc);
}

static double kl_scalar_sum(const float *y, const float *p, long count) {
  double total = 0;
  for (long k = 0; k < count; k++) total += kl_scalar(y[k], p[k]);
  return total;
}

AVX2_FMA double losses_avx2_kl_sum(const float *y, const float *p, long n) {
  __m256d a0 = _mm256_setzero_pd(), a1 = a0;
  double special = 0;
  long i = 0;
  enum { chunk = 8 };  // blocks of 32 a chunk
  KLRatio ratios[chunk][4];
  int clean[chunk];
  while (i + 32 <= n) {
    int blocks = 0;
    for (; blocks < chunk && i + 32 * (blocks + 1) <= n; blocks++) {
      const float *yb = y + i + 32 * blocks, *pb = p + i + 32 * blocks;
      int nan = 0;
      for (int k = 0; k < 4; k++) {
        __m256 yv = _mm256_loadu_ps(yb + 8 * k), pv = _mm256_loadu_ps(pb + 8 * k);
        nan |= has_nan(yv, pv);
        ratios[blocks][k] = kl_ratio(yv, pv);  // garbage for a block with a NaN, never read
      }
      clean[blocks] = !nan;
    }
    for (int b = 0; b < blocks; b++) {
      if (clean[b]) {
        add_widened(&a0, &a1, kl_block(ratios[b]));
      } else {
        special += kl_scalar_sum(y + i + 32 * b, p + i + 32 * b, 32);
      }
    }
    i += 32 * blocks;
  }
  for (; i < n; i += 8) {
    long rest = n - i < 8 ? n - i : 8;
    __m256 yv = load_partial(y + i, rest, 1), pv = load_partial(p + i, rest, 1);  // 1, 1: a zero term
    if (has_nan(yv, pv)) {
      special += kl_scalar_sum(y + i, p + i, rest);
    } else {
      add_widened(&a0, &a1, kl_term(yv, pv));
    }
  }
  return sum_lanes(_mm256_add_pd(a0, a1)) + special;
}

#endif
