#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build step: the harnesses of Fuzz/ into $OUT, one sanitizer per run.
#
# ClusterFuzzLite sets $SANITIZER (address, or coverage for coverage reports) and $OUT; the
# harnesses keep their plain names (fuzz_regression, fuzz_crossentropy, fuzz_structured), with
# NAME_seed_corpus.zip and NAME.dict beside them, and the Swift runtime libraries in $OUT/lib
# (found through an $ORIGIN/lib rpath, since the runner image has no Swift toolchain).
cd "$SRC/losscheck"
case "${SANITIZER:-address}" in
  address) sets=asan ;;
  *) sets=plain ;;  # coverage builds and anything else: -sanitize=fuzzer alone
esac
FUZZ_SETS="$sets" FUZZ_NO_SUFFIX=1 Fuzz/build.sh "$OUT"
rm -rf "$OUT/.build"
