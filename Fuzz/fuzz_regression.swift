// libFuzzer entry point for the regression losses (`FuzzFamily.regression`): decodes the bytes into a loss,
// its options and an input, checks the Float32 kernel against the reference, and traps on a
// finding. Build with Fuzz/build.sh; replay a crash file with `losscheck replay FILE`.

import LossCheck

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
  fuzzOneInput(.regression, data, size)
}
