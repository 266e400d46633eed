#!/usr/bin/env bash
# Measures the learner's loop, as docs/speed.md reports it:
#   A: edit the program, then `go build` it          (the floor any checker pays)
#   B: edit the program, then `go run ./checker lesson02`
# and the ratio B/A (medians over N rounds), plus `go run ./checker --dir
# solutions all` with warm caches. Run from anywhere: bash docs/speed.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-7}
work=$(mktemp -d "$PWD/.speed-XXXXXX")   # inside the module, so imports resolve
trap 'rm -rf "$work"' EXIT
cp -r solutions/02-tcp-echo-server "$work/"
main="$work/02-tcp-echo-server/main.go"

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.3f", a - b}'; }
median() { sort -n | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f", m}'; }

# Warm up: the checker itself, and the standard library in the build cache.
go build -o /dev/null ./checker
go run ./checker --dir "$work" lesson02 >/dev/null

a=(); b=()
for i in $(seq "$n"); do
  echo "// edit a$i $RANDOM$RANDOM" >>"$main"
  t0=$(now); go build -o "$work/bin" "./$(basename "$work")/02-tcp-echo-server"; t1=$(now)
  a+=("$(sub "$t1" "$t0")")
  echo "// edit b$i $RANDOM$RANDOM" >>"$main"
  t0=$(now); go run ./checker --dir "$work" lesson02 >/dev/null; t1=$(now)
  b+=("$(sub "$t1" "$t0")")
done
ma=$(printf '%s\n' "${a[@]}" | median)
mb=$(printf '%s\n' "${b[@]}" | median)

t0=$(now); go run ./checker --dir solutions all >/dev/null; t1=$(now)
all=$(sub "$t1" "$t0")
t0=$(now); go run ./checker --dir lessons >/dev/null; t1=$(now)
progress=$(sub "$t1" "$t0")

echo "rounds:                                   $n"
echo "edit + go build (median):                 ${ma}s"
echo "edit + go run ./checker lesson02 (median): ${mb}s"
echo "ratio:                                    $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", b / a}')"
echo "go run ./checker --dir solutions all:     ${all}s"
echo "go run ./checker (progress, fresh tree):  ${progress}s"
echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3)"
