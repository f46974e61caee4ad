#!/usr/bin/env bash
# Scaling table for issue 16: each input class at 4 sizes, `nsgate check` beside a plain parse
# of the same file (`examples/parse_baseline.rs`: serde_json::Value for JSON, hcl-edit for HCL).
#
#   benches/scaling.sh            # every class
#   benches/scaling.sh big-nsg    # only the classes named
#
# Columns: input size, nsgate's wall time and peak memory (max RSS, /usr/bin/time -v), the
# baseline's, the two ratios the targets are stated in (time ÷ baseline time, peak memory ÷
# file size), and the outcome (exit code; "NSG030" when a budget or the cube cap ended it,
# and nsgate's CPU time, user + system: it runs a root's policies on both cores, so CPU time
# exceeds wall time). REPEAT=5 takes the median of 5 runs of each command (see `measure`).
# Inputs are generated into a temporary directory (never committed) and removed afterwards.
# Sizes are chosen so the whole run takes a few minutes on a shared 2-core machine; set
# SIZES_<CLASS> (e.g. SIZES_big_nsg="500 1000 2000 4000") to override.
#
# BEFORE=path/to/an/older/nsgate adds that binary's time and peak memory on the same files in
# the same run (same machine load), for before/after tables, and says whether both printed the
# same findings:
#
#   git worktree add /tmp/old <commit> && (cd /tmp/old && cargo build --release --bin nsgate)
#   BEFORE=/tmp/old/target/release/nsgate benches/scaling.sh plan-dense plan-full
set -euo pipefail
cd "$(dirname "$0")/.."

# NO_BUILD=1 measures the binaries already in target/release.
[[ -n ${NO_BUILD:-} ]] || cargo build --release --quiet --bin nsgate --example adversarial --example plan_bench_file \
  --example parse_baseline
bin=target/release
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# class → "generator args with SIZE" | file name | default sizes | size unit
declare -A gen=(
  [big-nsg]="adversarial big-nsg SIZE|main.tf|500 1000 2000 4000|prefixes/rule (1,000 rules)"
  [frag-nsg]="adversarial frag-nsg SIZE|main.tf|125 250 500 1000|fragmenting rules"
  [arm-copy]="adversarial arm-copy-flat SIZE|azuredeploy.json|100 200 400 800|NSGs × rules (1 prefix)"
  [arm-numbers]="adversarial arm-numbers SIZE|azuredeploy.json|25 50 100 200|MB of integers (one line)"
  [tf-numbers]="adversarial tf-numbers SIZE|main.tf|5 10 20 40|MB of integers"
  [plan-dense]="plan_bench_file FILE dense SIZE|plan.json|2500 5000 10000 20000|NSGs (dense plan)"
  [plan-full]="plan_bench_file FILE full SIZE|plan.json|2500 5000 10000 20000|NSGs (realistic plan)"
)
order=(big-nsg frag-nsg arm-copy arm-numbers tf-numbers plan-dense plan-full)
[[ $# -gt 0 ]] && order=("$@")

# "seconds peak-MB exit-code cpu-seconds" of one run of a command.
measure_once() {
  local out="$tmp/time.txt" code=0
  /usr/bin/time -v -o "$out" "$@" >"$tmp/stdout.txt" 2>"$tmp/stderr.txt" || code=$?
  local wall rss cpu
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$out")
  cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u + s}' "$out")
  # m:ss.ss or h:mm:ss → seconds
  wall=$(awk -v t="$wall" 'BEGIN { n = split(t, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }')
  echo "$wall $((rss / 1024)) $code $cpu"
}

# REPEAT runs of a command (default 1): the median wall and CPU time, the largest peak. Wall
# times on a shared 2-core machine vary by tens of percent from run to run; REPEAT=5 makes the
# ratios repeatable.
REPEAT=${REPEAT:-1}
measure() {
  local i runs=()
  for ((i = 0; i < REPEAT; i++)); do
    runs+=("$(measure_once "$@")")
  done
  # Median of a column (mawk has no sort of its own).
  median() { printf '%s\n' "${runs[@]}" | awk -v c="$1" '{print $c}' | sort -g |
    awk '{v[NR] = $1} END {m = int((NR + 1) / 2); print (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2}'; }
  local peak code
  peak=$(printf '%s\n' "${runs[@]}" | awk '$2 > m {m = $2} END {print m}')
  code=$(printf '%s\n' "${runs[@]}" | awk 'END {print $3}')
  echo "$(median 1) $peak $code $(median 4)"
}

before=${BEFORE:-${BASELINE:-}}
printf '%-12s %8s %9s | %8s %8s | %8s %8s | %6s %6s | %s\n' \
  class size "file MB" "nsgate s" "peak MB" "base s" "base MB" "t/base" "mem/f" outcome
[[ -z $before ]] || printf '%-12s %8s %9s | %8s %8s | %8s %8s | %6s %6s | %s\n' \
  "  before" "" "" "before s" "peak MB" "" "" "t/base" "mem/f" outcome
for class in "${order[@]}"; do
  IFS='|' read -r spec file default unit <<<"${gen[$class]}"
  var="SIZES_${class//-/_}"
  sizes=${!var:-$default}
  for size in $sizes; do
    path="$tmp/$file"
    args=${spec//SIZE/$size}
    args=${args//FILE/$path}
    # shellcheck disable=SC2086
    set -- $args
    example=$1
    shift
    if [[ $example == adversarial ]]; then
      "$bin/examples/adversarial" "$@" "$path"
    else
      "$bin/examples/$example" "$@" 2>/dev/null
    fi
    bytes=$(stat -c %s "$path")
    read -r t m code cpu < <(measure "$bin/nsgate" check --format compact "$path")
    outcome="exit $code"
    grep -q 'NSG030' "$tmp/stdout.txt" && outcome="$outcome, NSG030"
    outcome="$outcome, cpu ${cpu}s"
    [[ -z $before ]] || mv "$tmp/stdout.txt" "$tmp/after.txt"
    read -r bt bm _ < <(measure "$bin/examples/parse_baseline" "$path")
    awk -v c="$class" -v s="$size" -v b="$bytes" -v t="$t" -v m="$m" -v bt="$bt" -v bm="$bm" -v o="$outcome" 'BEGIN {
      mb = b / 1048576
      printf "%-12s %8s %9.1f | %8.2f %8d | %8.2f %8d | %6.2f %6.2f | %s\n", c, s, mb, t, m, bt, bm, (bt > 0 ? t / bt : 0), (mb > 0 ? m / mb : 0), o
    }'
    if [[ -n $before ]]; then
      read -r ot om ocode ocpu < <(measure "$before" check --format compact "$path")
      same="same findings"
      cmp -s "$tmp/stdout.txt" "$tmp/after.txt" || same="FINDINGS DIFFER"
      awk -v b="$bytes" -v t="$ot" -v m="$om" -v bt="$bt" -v o="exit $ocode, cpu ${ocpu}s, $same" 'BEGIN {
        mb = b / 1048576
        printf "%-12s %8s %9s | %8.2f %8d | %8s %8s | %6.2f %6.2f | %s\n", "  before", "", "", t, m, "", "", (bt > 0 ? t / bt : 0), (mb > 0 ? m / mb : 0), o
      }'
    fi
    rm -f "$path"
  done
  echo "  ($class: size = $unit)"
done
