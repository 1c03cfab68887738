//===--- LogitRows.c - Row scans of the logits crossentropies -------------===//
//
// The AVX2 and FMA form of `CrossentropyMath.scanLogits`'s two passes (the
// row maximum, then Σ e^(x − c − K·ln 2) in Double) and of
// `CategoricalLabelSums`. The exponential is `CrossentropyMath.expShifted`:
// the same Cody–Waite reduction of the exact x − c, the same degree-6
// polynomial by Estrin's scheme, the same scaling through the exponent bias.
// With FMA, k = round(z·log₂e) rounds once, not twice (|r| ≤ ln 2/2 + 2⁻¹⁷
// either way), and the polynomial and r²·q − r_lo lose a rounding each, so
// the Swift form's bound (< 1 ulp relative) holds.
//
//===----------------------------------------------------------------------===//

#include "LossesAVX2.h"

#if defined(__x86_64__)
#include "Vector.h"
#include <math.h>

/// The parameters of one row's exponentials (`LogitShift`).
typedef struct {
  __m256 offset, floor;
  __m256i bias;
} Shift;

/// e^(x − c − K·ln 2) for eight lanes (normal results: 2^(k − K) with k − K ∈ [−126, 1]).
AVX2_FMA static inline __m256 shifted_exp(__m256 x, Shift s) {
  const __m256 shifter = _mm256_set1_ps(0x1.8p23f);
  __m256 z = _mm256_max_ps(_mm256_sub_ps(x, s.offset), s.floor);
  __m256 t = _mm256_fmadd_ps(z, _mm256_set1_ps(0x1.715476p0f), shifter);
  __m256 kf = _mm256_sub_ps(t, shifter);
  __m256 rHi = _mm256_fnmadd_ps(kf, _mm256_set1_ps(0x1.62e4p-1f), z);  // exact
  __m256 rLo = _mm256_mul_ps(kf, _mm256_set1_ps(0x1.7f7d1cp-20f));
  __m256 r = _mm256_sub_ps(rHi, rLo);
  __m256 r2 = _mm256_mul_ps(r, r);
  __m256 c23 = _mm256_fmadd_ps(_mm256_set1_ps(0x1.555492p-3f), r, _mm256_set1_ps(0x1.fffffcp-2f));
  __m256 c45 = _mm256_fmadd_ps(_mm256_set1_ps(0x1.12397cp-7f), r, _mm256_set1_ps(0x1.5558acp-5f));
  __m256 c456 = _mm256_fmadd_ps(r2, _mm256_set1_ps(0x1.6a518ap-10f), c45);
  __m256 q = _mm256_fmadd_ps(r2, c456, c23);
  __m256 w = _mm256_fmsub_ps(r2, q, rLo);
  __m256 p = _mm256_add_ps(_mm256_set1_ps(1), _mm256_add_ps(rHi, w));
  __m256i scale = _mm256_add_epi32(_mm256_slli_epi32(_mm256_castps_si256(t), 23), s.bias);
  return _mm256_mul_ps(p, _mm256_castsi256_ps(scale));
}

AVX2_FMA static Shift make_shift(float offset, float floor, int32_t bias) {
  Shift s = {_mm256_set1_ps(offset), _mm256_set1_ps(floor), _mm256_set1_epi32(bias)};
  return s;
}

AVX2_FMA float losses_avx2_row_max(const float *x, long n, int *finite) {
  __m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0;
  __m256 check = _mm256_setzero_ps();  // x·0 is NaN exactly when x is NaN or ±∞
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    m0 = _mm256_max_ps(m0, a);
    m1 = _mm256_max_ps(m1, b);
    check = _mm256_add_ps(check, _mm256_mul_ps(_mm256_add_ps(a, b), _mm256_setzero_ps()));
  }
  for (; i < n; i += 8) {
    long rest = n - i < 8 ? n - i : 8;
    m0 = _mm256_max_ps(m0, load_partial(x + i, rest, -INFINITY));
    check = _mm256_add_ps(check, _mm256_mul_ps(load_partial(x + i, rest, 0), _mm256_setzero_ps()));
  }
  float lanes[8], checks[8];
  _mm256_storeu_ps(lanes, _mm256_max_ps(m0, m1));
  _mm256_storeu_ps(checks, check);
  float m = lanes[0];
  int ok = 1;
  for (int k = 0; k < 8; k++) {
    m = lanes[k] > m ? lanes[k] : m;
    ok &= checks[k] == 0;
  }
  *finite = ok;
  return m;
}

AVX2_FMA double losses_avx2_shifted_exp_sum(const float *x, long n, float offset, float floor, int32_t bias) {
  Shift s = make_shift(offset, floor, bias);
  // Two vectors an iteration into four accumulators: the exponential is a chain of about 16
  // dependent operations, and the out-of-order window needs independent work beside it.
  __m256d a0 = _mm256_setzero_pd(), a1 = a0, b0 = a0, b1 = a0;
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    add_widened(&a0, &a1, shifted_exp(_mm256_loadu_ps(x + i), s));
    add_widened(&b0, &b1, shifted_exp(_mm256_loadu_ps(x + i + 8), s));
  }
  for (; i < n; i += 8) {
    long rest = n - i < 8 ? n - i : 8;
    __m256 live = _mm256_castsi256_ps(lanes_below(rest));
    __m256 v = shifted_exp(load_partial(x + i, rest, 0), s);
    add_widened(&a0, &a1, _mm256_and_ps(v, live));
  }
  return sum_lanes(_mm256_add_pd(_mm256_add_pd(a0, a1), _mm256_add_pd(b0, b1)));
}

AVX2_FMA float losses_avx2_shifted_exp(float x, float offset, float floor, int32_t bias) {
  return _mm256_cvtss_f32(shifted_exp(_mm256_set1_ps(x), make_shift(offset, floor, bias)));
}

AVX2_FMA void losses_avx2_label_sums(const float *y, const float *x, long n, float max, int with_gaps,
                                     double sums[3]) {
  const __m256 m = _mm256_set1_ps(max);
  __m256d labels0 = _mm256_setzero_pd(), labels1 = labels0, labelled0 = labels0, labelled1 = labels0;
  __m256d gaps0 = labels0, gaps1 = labels0;
  long i = 0;
  while (i < n) {
    long end = n - i < 64 ? n : i + 64;
    __m256 blockLabels = _mm256_setzero_ps(), blockLabelled = blockLabels, blockGaps = blockLabels;
    for (; i < end; i += 8) {
      long rest = end - i < 8 ? end - i : 8;
      __m256 yv = rest == 8 ? _mm256_loadu_ps(y + i) : load_partial(y + i, rest, 0);
      __m256 xv = rest == 8 ? _mm256_loadu_ps(x + i) : load_partial(x + i, rest, max);
      __m256 gap = _mm256_sub_ps(m, xv);
      blockLabels = _mm256_add_ps(blockLabels, yv);
      blockLabelled = _mm256_fmadd_ps(yv, gap, blockLabelled);
      blockGaps = _mm256_add_ps(blockGaps, gap);
    }
    add_widened(&labels0, &labels1, blockLabels);
    add_widened(&labelled0, &labelled1, blockLabelled);
    add_widened(&gaps0, &gaps1, blockGaps);
  }
  sums[0] = sum_lanes(_mm256_add_pd(labels0, labels1));
  sums[1] = sum_lanes(_mm256_add_pd(labelled0, labelled1));
  sums[2] = with_gaps ? sum_lanes(_mm256_add_pd(gaps0, gaps1)) : 0;
}

#endif
