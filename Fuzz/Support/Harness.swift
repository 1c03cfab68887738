// Shared by every harness in Fuzz/: compiled into each fuzzer beside its fuzz_<family>.swift.

#if canImport(Glibc)
  import Glibc
#endif
import LossCheck

/// Hands crash signals back to libFuzzer. The Swift runtime's backtracer installs handlers for
/// SIGILL (a Swift trap), SIGSEGV and friends before `main`; libFuzzer does not replace a handler
/// that is already there, so without this a finding prints a Swift backtrace and exits without
/// libFuzzer writing the crash file. libFuzzer calls this before it installs its own handlers.
@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(
  _ argc: UnsafeMutablePointer<CInt>?,
  _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?
) -> CInt {
  #if canImport(Glibc)
    for signalNumber in [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT] {
      signal(signalNumber, SIG_DFL)
    }
  #endif
  return 0
}

/// One libFuzzer call for `family`: -1 for bytes that select another family's loss (libFuzzer
/// keeps them out of the corpus), 0 when every property holds, and a trap naming the property and
/// the input otherwise.
func fuzzOneInput(_ family: FuzzFamily, _ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
  switch family.testOneInput(bytes) {
  case .failure: return -1
  case .success(nil): return 0
  case .success(let finding?): fatalError("\(finding)")
  }
}
