#!/bin/bash
# Groups the crash/timeout/oom files under fuzz/artifacts/ by panic location.
# Usage: fuzz/triage.sh [TARGET...]   (build first: cargo +nightly fuzz build -s none)
cd "$(dirname "$0")"
bin=target/x86_64-unknown-linux-gnu/release
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=($(ls artifacts 2>/dev/null))
for t in "${targets[@]}"; do
  for f in artifacts/"$t"/crash-* artifacts/"$t"/timeout-* artifacts/"$t"/oom-* artifacts/"$t"/slow-unit-*; do
    [ -e "$f" ] || continue
    out=$(timeout 60 "$bin/$t" -timeout=10 -rss_limit_mb=2048 "$f" 2>&1)
    where=$(grep -a -m1 -o "panicked at [^ ]*\|ERROR: libFuzzer: [a-z-]*" <<<"$out")
    msg=$(grep -a -m1 -A1 "panicked at" <<<"$out" | tail -1 | cut -c1-120)
    printf '%s\t%s\t%s\t%s\n' "$t" "${where:-no longer reproduces}" "$(wc -c <"$f") $f" "$msg"
  done
done | sort -t$'\t' -k1,2 -k3n | awk -F'\t' '{k=$1"\t"$2; n[k]++; if(!(k in ex)) ex[k]=$3"\t"$4} END {for (k in n) printf "%d\t%s\t%s\n", n[k], k, ex[k]}' | sort -t$'\t' -k2
