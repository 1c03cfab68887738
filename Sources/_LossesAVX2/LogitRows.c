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

/// z = x − c clamped to the floor (exact) for eight lanes, or x itself when `clamped` = 0 (c = 0
/// and no lane of the row lies below the floor).
AVX2_FMA static inline __m256 exp_argument(__m256 x, Shift s, int clamped) {
  return clamped ? _mm256_max_ps(_mm256_sub_ps(x, s.offset), s.floor) : x;
}

/// The last step of e^(z − K·ln 2) (normal results: 2^(k − K) with k − K ∈ [−126, 1]):
/// 2^(k − K)·(1 + (rHi + w)) as one fused multiply-add, the same bits as the rounded 1 + … times
/// the (exact) power of two, one operation fewer.
AVX2_FMA static inline __m256 scaled_exp(ExpParts p, Shift s) {
  __m256 scale = power_of_two(p.t, s.bias);
  return _mm256_fmadd_ps(scale, _mm256_add_ps(p.rHi, p.w), scale);
}

/// e^(x − c − K·ln 2) for eight lanes, every step in one go.
AVX2_FMA static inline __m256 shifted_exp(__m256 x, Shift s) {
  return scaled_exp(exp_polynomial(exp_reduction(exp_argument(x, s, 1))), s);
}

AVX2_FMA static Shift make_shift(float offset, float floor, int32_t bias) {
  Shift s = {_mm256_set1_ps(offset), _mm256_set1_ps(floor), _mm256_set1_epi32(bias)};
  return s;
}

AVX2_FMA float losses_avx2_row_max(const float *x, long n, float *min, int *finite) {
  __m256 m0 = _mm256_set1_ps(-INFINITY), m1 = m0;
  __m256 l0 = _mm256_set1_ps(INFINITY), l1 = l0;
  __m256 nan = _mm256_setzero_ps();  // lanes that met a NaN
  long i = 0;
  for (; i + 16 <= n; i += 16) {
    __m256 a = _mm256_loadu_ps(x + i), b = _mm256_loadu_ps(x + i + 8);
    m0 = _mm256_max_ps(m0, a);
    m1 = _mm256_max_ps(m1, b);
    l0 = _mm256_min_ps(l0, a);
    l1 = _mm256_min_ps(l1, b);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(a, b, _CMP_UNORD_Q));
  }
  for (; i < n; i += 8) {
    long rest = n - i < 8 ? n - i : 8;
    __m256 a = load_partial(x + i, rest, x[i]);
    m0 = _mm256_max_ps(m0, a);
    l0 = _mm256_min_ps(l0, a);
    nan = _mm256_or_ps(nan, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
  }
  float highs[8], lows[8];
  _mm256_storeu_ps(highs, _mm256_max_ps(m0, m1));
  _mm256_storeu_ps(lows, _mm256_min_ps(l0, l1));
  float m = highs[0], l = lows[0];
  for (int k = 1; k < 8; k++) {
    m = highs[k] > m ? highs[k] : m;
    l = lows[k] < l ? lows[k] : l;
  }
  *min = l;
  *finite = _mm256_movemask_ps(nan) == 0 && m < INFINITY && l > -INFINITY;
  return m;
}

/// Σ shifted_exp(x) over x[0..<n] in Double. `clamped` = 0 when no x − c lies below the floor
/// and c = 0, so neither the subtraction nor the clamp changes a lane; `with_labels` = 1 when the
/// row's labels are prefetched too (constant arguments: each caller below gets its own loop).
AVX2_FMA static inline double shifted_exp_sum(const float *x, long n, Shift s, int clamped,
                                              int with_labels, const float *labels) {
  // Software pipelined: one exponential is a chain of about 16 dependent operations (some 45
  // cycles), and evaluated vector after vector the out-of-order window fills with operations
  // waiting on their inputs before it holds enough vectors to keep the units busy. So iteration j
  // reduces vector j, runs the polynomial of vector j − 1, scales vector j − 2 and adds vector
  // j − 3, whose inputs all came from the iteration before (0.55 → 0.40 ns an element in L1).
  __m256d low = _mm256_setzero_pd(), high = low;
  long vectors = n / 8, i = 0;
  if (vectors >= 3) {
    ExpReduction reduced = exp_reduction(exp_argument(_mm256_loadu_ps(x), s, clamped));
    ExpParts parts = exp_polynomial(reduced);
    reduced = exp_reduction(exp_argument(_mm256_loadu_ps(x + 8), s, clamped));
    __m256 term = scaled_exp(parts, s);
    parts = exp_polynomial(reduced);
    reduced = exp_reduction(exp_argument(_mm256_loadu_ps(x + 16), s, clamped));
    for (i = 24; i + 8 <= n; i += 8) {
      // The rows the caller reads next (the next row of logits, x + n, and the labels): the loop
      // is bound by arithmetic, so the lines have time to arrive (prefetches never fault).
      _mm_prefetch((const char *)(x + n + i), _MM_HINT_T0);
      if (with_labels) _mm_prefetch((const char *)(labels + i), _MM_HINT_T0);
      __m256 scaled = scaled_exp(parts, s);
      parts = exp_polynomial(reduced);
      reduced = exp_reduction(exp_argument(_mm256_loadu_ps(x + i), s, clamped));
      add_widened(&low, &high, term);
      term = scaled;
    }
    add_widened(&low, &high, term);
    add_widened(&low, &high, scaled_exp(parts, s));
    add_widened(&low, &high, scaled_exp(exp_polynomial(reduced), s));
  }
  for (; i < n; i += 8) {
    long rest = n - i < 8 ? n - i : 8;
    __m256 live = _mm256_castsi256_ps(lanes_below(rest));
    __m256 v = shifted_exp(load_partial(x + i, rest, 0), s);
    add_widened(&low, &high, _mm256_and_ps(v, live));
  }
  return sum_lanes(_mm256_add_pd(low, high));
}

AVX2_FMA double losses_avx2_shifted_exp_sum(const float *x, long n, float offset, float floor, int32_t bias,
                                            float min, const float *labels) {
  Shift s = make_shift(offset, floor, bias);
  int clamped = !(offset == 0 && min >= floor);
  if (labels) {
    return clamped ? shifted_exp_sum(x, n, s, 1, 1, labels) : shifted_exp_sum(x, n, s, 0, 1, labels);
  }
  return clamped ? shifted_exp_sum(x, n, s, 1, 0, x) : shifted_exp_sum(x, n, s, 0, 0, x);
}

AVX2_FMA float losses_avx2_shifted_exp(float x, float offset, float floor, int32_t bias) {
  return _mm256_cvtss_f32(shifted_exp(_mm256_set1_ps(x), make_shift(offset, floor, bias)));
}

/// One vector's share of the label sums: Σy, Σ y·(m − x) (fused) and, with the gaps, Σ (m − x).
AVX2_FMA static inline void add_labels(__m256 sums[3], __m256 y, __m256 x, __m256 m, int with_gaps) {
  __m256 gap = _mm256_sub_ps(m, x);
  sums[0] = _mm256_add_ps(sums[0], y);
  sums[1] = _mm256_fmadd_ps(y, gap, sums[1]);
  if (with_gaps) sums[2] = _mm256_add_ps(sums[2], gap);
}

/// Whether the 64 labels at y are all +0: a block that adds nothing to Σy and Σ y·(m − x).
AVX2_FMA static inline int zero_labels(const float *y) {
  __m256i bits = _mm256_setzero_si256();
  for (int k = 0; k < 64; k += 8) bits = _mm256_or_si256(bits, _mm256_loadu_si256((const __m256i *)(y + k)));
  return _mm256_testz_si256(bits, bits);
}

/// The label sums with or without the gaps (a constant argument: each gets its own loop).
AVX2_FMA static inline void label_sums(const float *y, const float *x, long n, float max, int with_gaps,
                                       double sums[3]) {
  const __m256 m = _mm256_set1_ps(max);
  __m256d wide[3][2];
  for (int k = 0; k < 3; k++) wide[k][0] = wide[k][1] = _mm256_setzero_pd();
  long i = 0;
  while (i < n) {
    // Without the gaps, a block of one-hot or sparse labels that holds no label is skipped after
    // one look at its labels (most blocks of a one-hot row).
    if (!with_gaps && n - i >= 64 && zero_labels(y + i)) {
      i += 64;
      continue;
    }
    // A block of 64: even and odd vectors in two Float chains of at most four additions each,
    // joined once (a shallower sum than the portable loop's chain of eight).
    __m256 even[3], odd[3];
    for (int k = 0; k < 3; k++) even[k] = odd[k] = _mm256_setzero_ps();
    if (n - i >= 64) {
      for (int k = 0; k < 64; k += 16) {
        add_labels(even, _mm256_loadu_ps(y + i + k), _mm256_loadu_ps(x + i + k), m, with_gaps);
        add_labels(odd, _mm256_loadu_ps(y + i + k + 8), _mm256_loadu_ps(x + i + k + 8), m, with_gaps);
      }
      i += 64;
    } else {
      for (; i < n; i += 8) {
        long rest = n - i < 8 ? n - i : 8;
        add_labels(even, load_partial(y + i, rest, 0), load_partial(x + i, rest, max), m, with_gaps);
      }
    }
    for (int k = 0; k < 2 + with_gaps; k++) {
      add_widened(&wide[k][0], &wide[k][1], _mm256_add_ps(even[k], odd[k]));
    }
  }
  for (int k = 0; k < 3; k++) sums[k] = sum_lanes(_mm256_add_pd(wide[k][0], wide[k][1]));
}

AVX2_FMA void losses_avx2_label_sums(const float *y, const float *x, long n, float max, int with_gaps,
                                     double sums[3]) {
  if (with_gaps) {
    label_sums(y, x, n, max, 1, sums);
  } else {
    label_sums(y, x, n, max, 0, sums);  // sums[2] stays 0
  }
}

#endif
