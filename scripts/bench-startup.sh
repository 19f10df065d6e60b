#!/usr/bin/env bash
# Start-up of whole sipfix processes against `cat README.md`, side by side.
#
#   scripts/bench-startup.sh [BINARY...]     # default: target/release/sipfix
#
# Runs hyperfine in ROUNDS rounds (default 20) of RUNS runs (default 50) of
# every command, interleaved, so a noisy neighbour slows all commands alike;
# prints each command's median wall time over all runs, its ratio to `cat`,
# and its peak RSS (/usr/bin/time -f %M, highest of 20 runs). Give two
# binaries (say one built from main and one from a branch) to compare them.
# Needs hyperfine, GNU time and python3.
set -euo pipefail
cd "$(dirname "$0")/.."

ROUNDS=${ROUNDS:-20}
RUNS=${RUNS:-50}
bins=("$@")
[ ${#bins[@]} -gt 0 ] || bins=(target/release/sipfix)
for b in "${bins[@]}"; do [ -x "$b" ] || { echo "bench-startup: $b is not built" >&2; exit 1; }; done
for t in hyperfine python3 /usr/bin/time; do
    command -v "$t" >/dev/null || { echo "bench-startup: needs $t" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Nothing of the user's: an empty data and config directory.
export SIPFIX_DATA_DIR=$tmp/data SIPFIX_CONFIG_DIR=$tmp/config

cmds=("cat README.md")
for b in "${bins[@]}"; do
    cmds+=("$b show 486" "$b search busy")
done

for r in $(seq "$ROUNDS"); do
    hyperfine -N --style none --warmup 5 --runs "$RUNS" --export-json "$tmp/round-$r.json" \
        "${cmds[@]}" >/dev/null 2>&1
done

for c in "${cmds[@]}"; do
    peak=0
    for _ in $(seq 20); do
        # shellcheck disable=SC2086 # the command is words on purpose
        kib=$( { /usr/bin/time -f '%M' $c >/dev/null; } 2>&1 | tail -1)
        [ "$kib" -gt "$peak" ] && peak=$kib
    done
    echo "$c	$peak"
done >"$tmp/rss.tsv"

python3 - "$tmp" "$ROUNDS" "$RUNS" <<'PY'
import glob, json, statistics, sys
tmp, rounds, runs = sys.argv[1], sys.argv[2], sys.argv[3]
times = {}
for f in sorted(glob.glob(f"{tmp}/round-*.json")):
    for r in json.load(open(f))["results"]:
        times.setdefault(r["command"], []).extend(r["times"])
rss = dict(l.rstrip("\n").split("\t") for l in open(f"{tmp}/rss.tsv"))
base = statistics.median(times["cat README.md"])
print(f"{rounds} rounds x {runs} runs, interleaved; median wall time, ratio to cat, peak RSS")
print(f"| command | median | vs cat | peak RSS |")
print(f"|---|---|---|---|")
for c, t in times.items():
    m = statistics.median(t)
    print(f"| `{c}` | {m * 1000:.2f} ms | {m / base:.2f}x | {int(rss[c]) / 1024:.1f} MiB |")
PY
