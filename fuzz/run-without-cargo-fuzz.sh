#!/bin/sh
# Build and run one fuzz target the way cargo-fuzz does, for machines without cargo-fuzz
# (it needs a nightly toolchain). Usage: fuzz/run-without-cargo-fuzz.sh <target> [seconds]
#   fuzz/run-without-cargo-fuzz.sh check_stdin 600
# The --target flag keeps the coverage flags off build scripts and proc macros.
set -eu
target=$1
seconds=${2:-600}
cd "$(dirname "$0")"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
cargo +nightly build --release --target x86_64-unknown-linux-gnu --target-dir ../target/fuzz --bin "$target"
mkdir -p "corpus/$target" "artifacts/$target"
exec nice -n 10 "../target/fuzz/x86_64-unknown-linux-gnu/release/$target" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="artifacts/$target/" "corpus/$target"
