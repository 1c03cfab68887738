//===--- InstructionSet.swift ---------------------------------------------===//
//
// Which loops the hottest kernels run: the AVX2 and FMA ones of the C target
// `_LossesAVX2`, or the portable Swift ones.
//
//===----------------------------------------------------------------------===//

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import _LossesAVX2

/// The instruction set of the hottest Float32 loops, chosen once per process.
///
/// The logits row scans of the categorical and sparse categorical crossentropies, the product
/// lanes of the binary crossentropies (probabilities and logits), the KL divergence lanes and the
/// MSE and MAE lanes have a second implementation in C, compiled for AVX2 and FMA (`_LossesAVX2`):
/// Swift cannot compile one function for a CPU feature that the rest of a baseline x86-64 build
/// does not assume, and on the baseline every fused multiply-add is a library call. Both compute
/// the same documented terms within the same bounds; the C loops run when the CPU has AVX2 and FMA
/// and the OS saves the 256-bit registers.
///
/// Setting the environment variable `LOSSCHECK_PORTABLE_KERNELS` (to anything) before the
/// first loss is computed keeps the portable Swift loops, so one machine can check both.
public enum InstructionSet: String, Sendable {
  /// 256-bit AVX2 vectors with fused multiply-add (x86-64 since Haswell and Zen).
  case avx2FMA = "avx2+fma"
  /// The portable Swift SIMD loops, for whatever the build targets.
  case portable

  /// The loops this process runs.
  public static let selected: InstructionSet =
    losses_avx2_fma_available() != 0 && getenv("LOSSCHECK_PORTABLE_KERNELS") == nil ? .avx2FMA : .portable
}
