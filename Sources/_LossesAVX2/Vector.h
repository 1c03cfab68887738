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

/// The four lanes' sum, left to right.
AVX2_FMA static inline double sum_lanes(__m256d v) {
  double lanes[4];
  _mm256_storeu_pd(lanes, v);
  return ((lanes[0] + lanes[1]) + lanes[2]) + lanes[3];
}

#endif
