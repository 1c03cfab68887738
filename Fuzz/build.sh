#!/usr/bin/env bash
# Builds the libFuzzer harnesses of Fuzz/ into OUTDIR.
#
#   Fuzz/build.sh OUTDIR            every harness, plain (-sanitize=fuzzer) and sanitized sets
#   FUZZ_SETS=plain Fuzz/build.sh OUTDIR     only the plain set (CI smoke)
#
# SwiftPM executables do not link with -sanitize=fuzzer (their `main` is renamed), so this script
# drives swiftc itself: the C target _LossesAVX2 is compiled by the toolchain's clang, each Swift
# module (LossCore, LossReference, Losses, PropertyCheck, LossCheck) as its own module and static
# library, all with coverage instrumentation; then each harness
# Fuzz/fuzz_*.swift is linked against them together with Fuzz/Support/*.swift. The modules cannot be
# concatenated into one: their internal type names collide.
#
# Output, for each harness NAME:
#   OUTDIR/NAME              -sanitize=fuzzer
#   OUTDIR/NAME_asan         -sanitize=fuzzer,address (skipped when FUZZ_SETS=plain)
#   OUTDIR/NAME_ubsan        -sanitize=fuzzer,undefined, when the toolchain supports it
#   OUTDIR/NAME_seed_corpus.zip and OUTDIR/NAME.dict (ClusterFuzzLite / OSS-Fuzz conventions)
#   OUTDIR/lib/              the toolchain's shared libraries the harnesses load ($ORIGIN/lib rpath),
#                            so OUTDIR runs on a machine without the Swift toolchain
#
# Environment: SWIFTC (default: swiftc on PATH), FUZZ_SETS ("plain", "asan", "ubsan" or a
# space-separated list; default all three), FUZZ_NO_SUFFIX=1 (name the harnesses NAME whatever
# the set, for ClusterFuzzLite, which builds one sanitizer per run), FUZZ_EXTRA_FLAGS (added to
# every swiftc call), FUZZ_SOURCE_ROOT (the package root; default the parent of this script).
#
# swiftc 6.3 on Linux rejects -sanitize=undefined, so the _ubsan set is skipped there; Swift's own
# checks (bounds, overflow, conversions) stay on in -O and trap in every set.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 OUTDIR" >&2
  exit 64
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${FUZZ_SOURCE_ROOT:-$(dirname "$here")}"
mkdir -p "$1"
out="$(cd "$1" && pwd)"
swiftc="${SWIFTC:-swiftc}"
sets="${FUZZ_SETS:-plain asan ubsan}"
read -r -a extra <<<"${FUZZ_EXTRA_FLAGS:-}"

toolchain_lib="$(dirname "$(dirname "$(command -v "$swiftc")")")/lib/swift/linux"
# The toolchain's clang, for the C target (the one SwiftPM would use).
clang="$(dirname "$(command -v "$swiftc")")/clang"
c_root="$root/Sources/_LossesAVX2"
c_include="$c_root/include"

# The modules in dependency order: name and source directory.
modules=(
  "LossCore:Sources/LossCore"
  "LossReference:Reference/LossReference"
  "Losses:Sources/Losses"
  "PropertyCheck:Sources/PropertyCheck"
  "LossCheck:Sources/LossCheck"
)

# Builds every module with `sanitizers` into `build` and links each harness into OUTDIR/NAME`suffix`.
build_set() {
  local sanitizers="$1" suffix="$2"
  local build="$out/.build/${suffix:-plain}"
  [[ "${FUZZ_NO_SUFFIX:-}" == 1 ]] && suffix=""
  rm -rf "$build"
  mkdir -p "$build"
  local flags=(-O -wmo -parse-as-library -sanitize="$sanitizers" -I "$build" -I "$c_include" -L "$build" "${extra[@]}")
  # The C target first: its objects carry the same coverage (and address) instrumentation.
  echo "  [$sanitizers] C module _LossesAVX2"
  local objects=()
  for file in "$c_root"/*.c; do
    "$clang" -O2 -fsanitize="${sanitizers/fuzzer/fuzzer-no-link}" -I "$c_include" -c "$file" \
      -o "$build/$(basename "$file" .c).o"
    objects+=("$build/$(basename "$file" .c).o")
  done
  ar rcs "$build/lib_LossesAVX2.a" "${objects[@]}"
  for entry in "${modules[@]}"; do
    local name="${entry%%:*}" dir="$root/${entry#*:}"
    local sources=()
    while IFS= read -r -d '' file; do sources+=("$file"); done < <(find "$dir" -name '*.swift' -print0 | sort -z)
    echo "  [$sanitizers] module $name (${#sources[@]} files)"
    "$swiftc" "${flags[@]}" -module-name "$name" -emit-module -emit-module-path "$build/$name.swiftmodule" \
      -emit-library -static -o "$build/lib$name.a" "${sources[@]}"
  done
  for harness in "$here"/fuzz_*.swift; do
    local name
    name="$(basename "$harness" .swift)"
    echo "  [$sanitizers] harness $name$suffix"
    # PropertyCheck imports Testing and XCTest when they exist (its failure recorder); link them
    # from the toolchain rather than building a different PropertyCheck for fuzzing.
    # gold warns once per ASan register thunk ("Cannot export local symbol '__asan_..."); drop those.
    if ! "$swiftc" "${flags[@]}" -module-name "${name}_main" "$harness" "$here"/Support/*.swift \
      -lLossCheck -lPropertyCheck -lLosses -l_LossesAVX2 -lLossReference -lLossCore \
      -L "$toolchain_lib" -lFoundation -lXCTest -lTesting \
      -Xlinker -rpath -Xlinker '$ORIGIN/lib' -Xlinker -rpath -Xlinker "$toolchain_lib" \
      -o "$out/$name$suffix" 2>"$build/link.log"; then
      cat "$build/link.log" >&2
      exit 1
    fi
    grep -v "Cannot export local symbol '__asan" "$build/link.log" >&2 || true
  done
}

# Whether swiftc can link a fuzzer with `sanitizers` (checked on an empty harness).
supports() {
  local probe="$out/.build/probe"
  mkdir -p "$probe"
  printf '@_cdecl("LLVMFuzzerTestOneInput")\npublic func f(_ d: UnsafePointer<UInt8>?, _ n: Int) -> CInt { 0 }\n' \
    >"$probe/probe.swift"
  "$swiftc" -parse-as-library -sanitize="$1" "$probe/probe.swift" -o "$probe/probe" >/dev/null 2>&1
}

for set in $sets; do
  case "$set" in
    plain) build_set fuzzer "" ;;
    asan) build_set fuzzer,address _asan ;;
    ubsan)
      if supports fuzzer,undefined; then
        build_set fuzzer,undefined _ubsan
      else
        echo "  swiftc does not support -sanitize=fuzzer,undefined here; no _ubsan set"
      fi
      ;;
    *) echo "unknown set '$set' in FUZZ_SETS" >&2; exit 64 ;;
  esac
done

# Seed corpora and dictionaries beside each harness, as ClusterFuzzLite and OSS-Fuzz expect them.
for harness in "$here"/fuzz_*.swift; do
  name="$(basename "$harness" .swift)"
  if [[ -d "$here/corpus/$name" ]] && command -v zip >/dev/null; then
    rm -f "$out/${name}_seed_corpus.zip"
    (cd "$here/corpus/$name" && zip -q -r "$out/${name}_seed_corpus.zip" .)
  fi
  cp "$here/floats.dict" "$out/$name.dict"
done

# The toolchain's shared libraries the harnesses need, so OUTDIR runs without the toolchain.
mkdir -p "$out/lib"
for binary in "$out"/fuzz_*; do
  [[ -x "$binary" && -f "$binary" ]] || continue
  ldd "$binary" | awk -v dir="$toolchain_lib" 'index($3, dir) == 1 { print $3 }'
done | sort -u | while IFS= read -r library; do cp -u "$library" "$out/lib/"; done

echo "built: $(cd "$out" && ls -d fuzz_* | grep -v '\.' | tr '\n' ' ')"
