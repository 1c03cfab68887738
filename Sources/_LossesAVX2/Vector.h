//===--- Vector.h - Shared AVX2 helpers of the loops ----------------------===//
//
// Private to this target. Every function carries the avx2,fma target
// attribute, so it inlines only into the loops that have it.
//
//===----------------------------------------------------------------------===//

#ifndef LOSSES_AVX2_VECTOR_H
#define LOSSES_AVX2_VECTOR_H

#include <immintrin.h>

#define AVX2_FMA __attribute__((target("avx2,fma")))

/// Lanes [0, count) set (count ≤ 8), as a mask for `_mm256_maskload_ps` and blends.
AVX2_FMA static inline __m256i lanes_below(long count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/// The first `count` lanes from p (count < 8); the others hold `padding`.
AVX2_FMA static inline __m256 load_partial(const float *p, long count, float padding) {
  __m256i live = lanes_below(count);
  return _mm256_blendv_ps(_mm256_set1_ps(padding), _mm256_maskload_ps(p, live), _mm256_castsi256_ps(live));
}

/// The eight lanes widened to Double and added into two accumulators (exact conversions).
AVX2_FMA static inline void add_widened(__m256d *low, __m256d *high, __m256 v) {
  *low = _mm256_add_pd(*low, _mm256_cvtps_pd(_mm256_castps256_ps128(v)));
  *high = _mm256_add_pd(*high, _mm256_cvtps_pd(_mm256_extractf128_ps(v, 1)));
}

/// The first half of the exponentials' evaluation (`CrossentropyMath.reducedExp`'s reduction):
/// k = round(z·log₂e) held in t's low bits, and z − k·ln 2 = rHi − rLo by Cody–Waite, rHi exact
/// (k·ln2_hi is exact for |k| < 512).
typedef struct {
  __m256 t, rHi, rLo;
} ExpReduction;

/// The second half: eᶻ ≈ 2ᵏ·(1 + rHi + w), t and rHi carried over from the reduction.
typedef struct {
  __m256 t, rHi, w;
} ExpParts;

/// The reduction of eight lanes of z (|z| < 354), `ExpReduction`.
AVX2_FMA static inline ExpReduction exp_reduction(__m256 z) {
  const __m256 shifter = _mm256_set1_ps(0x1.8p23f);
  ExpReduction a;
  a.t = _mm256_fmadd_ps(z, _mm256_set1_ps(0x1.715476p0f), shifter);  // k = round(z·log₂e), one rounding
  __m256 kf = _mm256_sub_ps(a.t, shifter);
  a.rHi = _mm256_fnmadd_ps(kf, _mm256_set1_ps(0x1.62e4p-1f), z);
  a.rLo = _mm256_mul_ps(kf, _mm256_set1_ps(0x1.7f7d1cp-20f));
  return a;
}

/// The polynomial after `exp_reduction`: w = r²·q − r_lo with r = rHi − rLo and q the degree-6 fit
/// by Estrin's scheme.
AVX2_FMA static inline ExpParts exp_polynomial(ExpReduction a) {
  __m256 r = _mm256_sub_ps(a.rHi, a.rLo);
  __m256 r2 = _mm256_mul_ps(r, r);
  __m256 c23 = _mm256_fmadd_ps(_mm256_set1_ps(0x1.555492p-3f), r, _mm256_set1_ps(0x1.fffffcp-2f));
  __m256 c45 = _mm256_fmadd_ps(_mm256_set1_ps(0x1.12397cp-7f), r, _mm256_set1_ps(0x1.5558acp-5f));
  __m256 q = _mm256_fmadd_ps(r2, _mm256_fmadd_ps(r2, _mm256_set1_ps(0x1.6a518ap-10f), c45), c23);
  ExpParts p = {a.t, a.rHi, _mm256_fmsub_ps(r2, q, a.rLo)};
  return p;
}

/// 2^(k + e) from `exp_reduction`'s t, for bias = (127 + e)·2²³ (normal results only).
AVX2_FMA static inline __m256 power_of_two(__m256 t, __m256i bias) {
  return _mm256_castsi256_ps(_mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(t), 23), bias));
}

/// The four lanes' sum, left to right.
AVX2_FMA static inline double sum_lanes(__m256d v) {
  double lanes[4];
  _mm256_storeu_pd(lanes, v);
  return ((lanes[0] + lanes[1]) + lanes[2]) + lanes[3];
}

#endif
