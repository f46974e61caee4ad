#!/usr/bin/env bash
# Every hostile case of issue 16 (its first list) at full size, one run each: wall time, peak
# memory (max RSS, /usr/bin/time -v) and outcome. The scaling classes (the 1,000 × 4,000 NSG,
# fragmenting rules, number-heavy files, plans) are in benches/scaling.sh.
#
#   benches/cases.sh
#   BEFORE=path/to/an/older/nsgate benches/cases.sh   # the older binary on the same files
#
# Each run is bounded by `timeout` (LIMIT seconds, 120 by default) so a case that hangs shows
# as "timeout" instead of stopping the table. Inputs are generated into a temporary directory
# and removed afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."

[[ -n ${NO_BUILD:-} ]] || cargo build --release --quiet --bin nsgate --example adversarial
bin=target/release
limit=${LIMIT:-120}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "seconds peak-MB outcome" of `nsgate check ARGS...` (stdin from $stdin when set).
measure() {
  local nsgate=$1 code=0
  shift
  /usr/bin/time -v -o "$tmp/time.txt" timeout "$limit" "$nsgate" check --format "$format" "$@" \
    <"${stdin:-/dev/null}" >"$tmp/stdout.txt" 2>"$tmp/stderr.txt" || code=$?
  local wall rss outcome="exit $code"
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$tmp/time.txt")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$tmp/time.txt")
  wall=$(awk -v t="$wall" 'BEGIN { n = split(t, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s }')
  case $code in
    124) outcome="timeout after ${limit} s" ;;
    101) outcome="exit 101 (panic)" ;;
    134 | 137) outcome="exit $code (aborted: out of memory?)" ;;
  esac
  budget=$(grep 'error\[NSG030\]' "$tmp/stdout.txt" | grep -o 'the [A-Za-z ]* \(budget\|cap\)' | head -1 || true)
  [[ -z $budget ]] || outcome="$outcome, NSG030 at $budget"
  if [[ $code == 2 ]]; then
    outcome="$outcome: $(cat "$tmp/stdout.txt" "$tmp/stderr.txt" | grep -m1 -o 'error\[nsgate\] .*' | cut -c15-95 || true)"
  fi
  if grep -q $'[\x1b\r]' "$tmp/stdout.txt"; then outcome="$outcome, RAW CONTROL CHARACTERS"; fi
  printf '%8.2f %8d  %s' "$wall" "$((rss / 1024))" "$outcome"
}

row() {
  local name=$1
  shift
  printf '%-30s | %s\n' "$name" "$(measure "$bin/nsgate" "$@")"
  [[ -z ${BEFORE:-} ]] || printf '%-30s | %s\n' "  before" "$(measure "$BEFORE" "$@")"
}

printf '%-30s | %8s %8s  %s\n' case "s" "peak MB" outcome
format=compact
for op in flatten jsonencode eq toset distinct setunion dynamic; do
  "$bin/examples/adversarial" "tf-$op" 60 "$tmp/main.tf"
  row "tf-$op (2^60 elements)" "$tmp/main.tf"
done
rm -f "$tmp/main.tf"
for op in string json equals; do
  "$bin/examples/adversarial" "arm-$op" 60 "$tmp/azuredeploy.json"
  row "arm-$op (2^60 elements)" "$tmp/azuredeploy.json"
done
"$bin/examples/adversarial" arm-copy 800 "$tmp/azuredeploy.json"
row "arm-copy 800×800×800" "$tmp/azuredeploy.json"
"$bin/examples/adversarial" arm-copy-flat 800 "$tmp/azuredeploy.json"
row "arm-copy 800×800×1" "$tmp/azuredeploy.json"
rm -f "$tmp/azuredeploy.json"

# A one-line plan whose findings are past column 65535, with terminal control sequences in
# every name (the human format panicked; names reached the terminal raw).
{
  printf '%*s' 70000 ''
  tr -d '\n' <testdata/plan/incident-broken/plan.json | sed 's/"name": *"/&\\u001b[2J\\r/g'
} >"$tmp/plan.json"
for format in human github compact; do
  stdin=$tmp/plan.json row "long line, ESC/CR ($format)" -
done
unset stdin
format=compact

mkdir "$tmp/fifo" "$tmp/zero"
mkfifo "$tmp/fifo/azuredeploy.json"
row "FIFO named *.json" "$tmp/fifo"
ln -s /dev/zero "$tmp/zero/main.tf"
row "/dev/zero as main.tf" "$tmp/zero"
stdin=/dev/zero row "/dev/zero on stdin" -
