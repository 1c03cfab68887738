//===--- BinaryProbabilities.c - Σ log of binary crossentropy factors -----===//
//
// The AVX2 form of `HardLabelProbabilitySplit` summed by `logProductSum` over
// a `LogProduct`: with labels 0 and 1 the term is −log f, f = p_c where y = 1
// and 1 − p_c where y = 0 (p_c = clip(p, 1e-7, 1 − 2⁻²³)), formed exactly in
// Double as (1 − y) + p_c·(2y − 1); each lane multiplies its factors into a
// Double and every 32 factors moves the product's binary exponent into an
// integer, and one log ends the lane. The same operations as the Swift form
// (no fused multiply-add is involved), so the same bound: within
// (1 + 10/n)·2⁻²⁹ relative of Σ|log f|.
//
//===----------------------------------------------------------------------===//

#include "LossesAVX2.h"

#if defined(__x86_64__)
#include "Vector.h"
#include <math.h>

/// Eight lanes' products and exponents (`LogProduct`), low and high four.
typedef struct {
  __m256d product[2];
  __m256i exponent[2];
} Products;

/// Product = 2ᵉ·m with m ∈ [1, 2): e moves into the exponents (positive normal products).
AVX2_FMA static inline void renormalize_products(Products *lanes) {
  const __m256i mantissa = _mm256_set1_epi64x(0x000fffffffffffffLL), one = _mm256_set1_epi64x(0x3ff0000000000000LL);
  for (int h = 0; h < 2; h++) {
    __m256i bits = _mm256_castpd_si256(lanes->product[h]);
    lanes->exponent[h] = _mm256_add_epi64(
      lanes->exponent[h], _mm256_sub_epi64(_mm256_srli_epi64(bits, 52), _mm256_set1_epi64x(1023)));
    lanes->product[h] = _mm256_castsi256_pd(_mm256_or_si256(_mm256_and_si256(bits, mantissa), one));
  }
}

/// The factors of eight elements, multiplied into the products; `domain` takes |y·(1 − y)| (zero
/// only for labels 0 and 1) and p·0 (NaN for NaN and ±∞). Dead lanes (not in `live`) multiply by 1.
AVX2_FMA static inline void multiply_factors(Products *lanes, __m256 y, __m256 p, __m256 *domain, __m256i live) {
  const __m256 one = _mm256_set1_ps(1), signBit = _mm256_set1_ps(-0.0f);
  *domain = _mm256_add_ps(*domain, _mm256_add_ps(_mm256_andnot_ps(signBit, _mm256_mul_ps(y, _mm256_sub_ps(one, y))),
                                                 _mm256_mul_ps(p, _mm256_setzero_ps())));
  __m256 pc = _mm256_min_ps(_mm256_max_ps(p, _mm256_set1_ps(1e-7f)), _mm256_set1_ps(1 - 0x1p-23f));
  __m256 offset = _mm256_sub_ps(one, y);                                         // exact: 1 or 0
  __m256 signedPc = _mm256_mul_ps(pc, _mm256_sub_ps(_mm256_add_ps(y, y), one));  // exact: ±p_c
  for (int h = 0; h < 2; h++) {
    __m128 oh = h == 0 ? _mm256_castps256_ps128(offset) : _mm256_extractf128_ps(offset, 1);
    __m128 sh = h == 0 ? _mm256_castps256_ps128(signedPc) : _mm256_extractf128_ps(signedPc, 1);
    __m256d factor = _mm256_add_pd(_mm256_cvtps_pd(oh), _mm256_cvtps_pd(sh));  // exact in Double
    __m256d keep = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(
      h == 0 ? _mm256_castsi256_si128(live) : _mm256_extracti128_si256(live, 1)));
    factor = _mm256_blendv_pd(_mm256_set1_pd(1), factor, keep);
    lanes->product[h] = _mm256_mul_pd(lanes->product[h], factor);
  }
}

AVX2_FMA int losses_avx2_binary_probability_log_sum(const float *y, const float *p, long n, double *sum) {
  Products lanes = {{_mm256_set1_pd(1), _mm256_set1_pd(1)}, {_mm256_setzero_si256(), _mm256_setzero_si256()}};
  __m256 domain = _mm256_setzero_ps();
  const __m256i all = _mm256_set1_epi32(-1);
  long i = 0;
  while (i < n) {
    // At most 32 factors a lane between renormalizations: each is at least 2⁻²⁴, so the products
    // stay in [2⁻⁷⁶⁸, 2], normal.
    long blockEnd = n - i < 256 ? n : i + 256;
    for (; i + 8 <= blockEnd; i += 8) {
      multiply_factors(&lanes, _mm256_loadu_ps(y + i), _mm256_loadu_ps(p + i), &domain, all);
    }
    if (i < blockEnd) {
      long rest = blockEnd - i;  // only at the end of the lane
      multiply_factors(&lanes, load_partial(y + i, rest, 0), load_partial(p + i, rest, 0.5f), &domain,
                       lanes_below(rest));
      i = blockEnd;
    }
    renormalize_products(&lanes);
    if (_mm256_movemask_ps(_mm256_cmp_ps(domain, _mm256_setzero_ps(), _CMP_NEQ_UQ)) != 0) return 0;
  }
  // The eight mantissas (each in [1, 2)) multiplied together, their exponents added: one log.
  double products[8];
  int64_t exponents[8];
  _mm256_storeu_pd(products, lanes.product[0]);
  _mm256_storeu_pd(products + 4, lanes.product[1]);
  _mm256_storeu_si256((__m256i *)exponents, lanes.exponent[0]);
  _mm256_storeu_si256((__m256i *)(exponents + 4), lanes.exponent[1]);
  double mantissa = 1;
  int64_t exponent = 0;
  for (int j = 0; j < 8; j++) {
    mantissa *= products[j];
    exponent += exponents[j];
  }
  *sum = log(mantissa) + (double)exponent * 0x1.62e42fefa39efp-1;
  return 1;
}

#endif
