#!/usr/bin/env bash
# Measures the learner's loop, as docs/speed.md reports it:
#   A: edit the program, then `go build` it          (the floor any checker pays)
#   B: edit the program, then `go run ./checker lesson02`
# and the ratio B/A (medians over N rounds), plus `go run ./checker --dir
# solutions all` with warm caches, the progress view with every lesson
# checked, and watch mode's latency from a save to its report.
# Run from anywhere: bash docs/speed.sh [N]
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

t0=$(now); go run ./checker --dir solutions all >/dev/null || true; t1=$(now)
all=$(sub "$t1" "$t0")
t0=$(now); go run ./checker --dir lessons >/dev/null; t1=$(now)
progress=$(sub "$t1" "$t0")
# The progress view with every lesson started and checked: it runs nothing
# and reads each lesson's last result. Through go run, and the checker's
# own time (a built binary: go run adds its staleness check).
bin="$work/checker"
go build -o "$bin" ./checker
"$bin" --dir solutions all >/dev/null || true
pw=(); pb=()
for i in $(seq "$n"); do
  t0=$(now); go run ./checker --dir solutions >/dev/null; t1=$(now); pw+=("$(sub "$t1" "$t0")")
  t0=$(now); "$bin" --dir solutions >/dev/null; t1=$(now); pb+=("$(sub "$t1" "$t0")")
done
progress_warm=$(printf '%s\n' "${pw[@]}" | median)
progress_bin=$(printf '%s\n' "${pb[@]}" | median)

# Watch mode: from a save to the end of the first report after it, on a
# lesson that keeps failing (a passing one is left for the next lesson).
wdir="$work/watched"
mkdir -p "$wdir"
cp -r lessons/02-tcp-echo-server "$wdir/"
log="$work/watch.log"
"$bin" watch --dir "$wdir" lesson02 >"$log" 2>&1 &
watch=$!
trap 'kill $watch 2>/dev/null || true; wait $watch 2>/dev/null || true; rm -rf "$work"' EXIT
reports() { local n; n=$(grep -c 'checks passed' "$log" 2>/dev/null) || true; echo "${n:-0}"; }
until [ "$(reports)" -ge 1 ]; do sleep 0.01; done
wl=()
for i in $(seq "$n"); do
  before=$(reports)
  t0=$(now); echo "// edit w$i $RANDOM$RANDOM" >>"$wdir/02-tcp-echo-server/main.go"
  until [ "$(reports)" -gt "$before" ]; do sleep 0.005; done
  t1=$(now); wl+=("$(sub "$t1" "$t0")")
done
kill -INT $watch; wait $watch 2>/dev/null || true
watch_latency=$(printf '%s\n' "${wl[@]}" | median)

echo "rounds:                                   $n"
echo "edit + go build (median):                 ${ma}s"
echo "edit + go run ./checker lesson02 (median): ${mb}s"
echo "ratio:                                    $(awk -v a="$ma" -v b="$mb" 'BEGIN {printf "%.2f", b / a}')"
echo "go run ./checker --dir solutions all:     ${all}s"
echo "go run ./checker (progress, fresh tree):  ${progress}s"
echo "go run ./checker (progress, $(ls -d solutions/[0-9]*/ | wc -l) lessons checked): ${progress_warm}s (the checker itself: ${progress_bin}s)"
echo "watch: save to report (median):           ${watch_latency}s"
echo "machine: $(nproc) cores, $(go version | cut -d' ' -f3)"
