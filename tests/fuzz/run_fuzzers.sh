#!/usr/bin/env bash
# Builds the LibTorch-free parsers with clang and libFuzzer + ASan + UBSan and runs each target for a
# bounded time from its seed corpus. Fails on any crash, leak, timeout or sanitizer report.
# Usage: run_fuzzers.sh [--cxx clang++-14] [--out DIR] [--seconds N per target] [--target NAME]...
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cxx=clang++-14
out=${TMPDIR:-/tmp}/lens-fuzz
seconds=25
only=()
while (($#)); do
    case $1 in
        --cxx) cxx=$2; shift 2 ;;
        --out) out=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --target) only+=("$2"); shift 2 ;;
        *) echo "unknown option $1" >&2; exit 1 ;;
    esac
done
mkdir -p "$out"
flags=(-std=c++17 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -fno-omit-frame-pointer -I"$root/core")
core=$root/core

# target name -> its sources (torch-free by design)
declare -A sources=(
    [fuzz_safetensors]="$core/checkpoint/SafeTensors.cpp $core/io/JsonReader.cpp $core/io/Text.cpp $core/tensor/DType.cpp"
    [fuzz_legacy]="$core/checkpoint/LegacyFormat.cpp $core/checkpoint/Pickle.cpp $core/io/Text.cpp $core/tensor/DType.cpp"
    [fuzz_pickle]="$core/checkpoint/Pickle.cpp $core/checkpoint/PickleSafety.cpp $core/checkpoint/Structure.cpp $core/io/Text.cpp $core/tensor/DType.cpp"
    [fuzz_zip]="$core/checkpoint/ZipArchive.cpp $core/checkpoint/Pickle.cpp $core/checkpoint/PickleSafety.cpp
        $core/io/Text.cpp $core/tensor/DType.cpp"
    [fuzz_batch_output]="$core/batch/BatchWriter.cpp $core/batch/CsvCell.cpp $core/batch/JsonLine.cpp
        $core/batch/OutputLock.cpp $core/batch/OutputScan.cpp $core/io/Json.cpp $core/io/JsonReader.cpp
        $core/model/Classification.cpp $core/model/ResultFormat.cpp $core/io/Text.cpp"
    [fuzz_image]="$(echo "$core"/image/formats/*.cpp) $core/image/PilImage.cpp"
    [fuzz_image_libs]="$core/image/JpegDecoder.cpp $core/image/PngDecoder.cpp $core/image/TiffDecoder.cpp
                       $core/image/WebpDecoder.cpp $core/image/Exif.cpp $core/image/PilImage.cpp"
)
# libraries a target links (after its sources)
declare -A links=([fuzz_image]="-llcms2" [fuzz_image_libs]="-ljpeg -ltiff -lwebp -lwebpdemux -lz -llcms2"
                  [fuzz_zip]="-lz")
declare -A corpus=([fuzz_safetensors]=safetensors [fuzz_legacy]=legacy [fuzz_pickle]=pickle [fuzz_zip]=zip
                   [fuzz_batch_output]=batch_output [fuzz_image]=image [fuzz_image_libs]=image_libs)
targets=(fuzz_pickle fuzz_zip fuzz_safetensors fuzz_legacy fuzz_batch_output fuzz_image fuzz_image_libs)
if ((${#only[@]})); then
    targets=("${only[@]}")
fi

status=0
for target in "${targets[@]}"; do
    echo "== $target: building"
    # shellcheck disable=SC2086
    "$cxx" "${flags[@]}" "$here/$target.cpp" ${sources[$target]} -o "$out/$target" ${links[$target]:-}
    work=$out/$target.corpus
    mkdir -p "$work"
    echo "== $target: fuzzing for ${seconds}s from tests/fuzz/corpus/${corpus[$target]}"
    if ! (cd "$out" && ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            "./$target" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
            -print_final_stats=1 "$work" "$here/corpus/${corpus[$target]}" 2>"$out/$target.log"); then
        echo "== $target: FAILED (crash, leak or sanitizer report); log: $out/$target.log"
        tail -n 60 "$out/$target.log"
        status=1
        continue
    fi
    grep -E "^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)|DONE" "$out/$target.log" \
        | sed "s/^/   /" || true
done
exit $status
