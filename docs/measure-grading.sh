#!/usr/bin/env bash
# Measures `grade` on a class of N submissions (default 30), each a copy of
# the reference solutions of lessons 01-04 with, for one in three, a buggy
# variant in lesson 02, at several --jobs. Figures go in docs/instructors.md.
# Usage: bash docs/measure-grading.sh [N] [JOBS...]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-30}; shift || true
jobs=("$@"); [ ${#jobs[@]} -gt 0 ] || jobs=(1 2 4)
class=$(mktemp -d); trap 'rm -rf "$class" "$bin"' EXIT
bin=$(mktemp)
go build -o "$bin" ./checker
for i in $(seq -w 1 "$n"); do
  for l in 01-socket-lifecycle 02-tcp-echo-server 03-tcp-echo-client 04-concurrent-server; do
    mkdir -p "$class/learner$i/lessons/$l"
    cp "solutions/$l/main.go" "$class/learner$i/lessons/$l/"
  done
  if [ $((10#$i % 3)) -eq 0 ]; then
    cp checker/testdata/sample-class/bob-partial/lessons/02-tcp-echo-server/main.go "$class/learner$i/lessons/02-tcp-echo-server/"
  fi
done
echo "class: $n submissions, lessons 01-04; machine: $(nproc) cores, $(go version | cut -d' ' -f3), euid $(id -u)"
for j in "${jobs[@]}"; do
  out=$(mktemp -d)
  start=$(date +%s.%N)
  "$bin" grade --lessons 1-4 --jobs "$j" --out "$out" "$class" >/dev/null 2>&1
  end=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v j="$j" -v n="$n" 'BEGIN {printf "--jobs %-2s %6.1fs  (%.1fs a submission)\n", j, e - s, (e - s) / n}'
  rm -rf "$out"
done
