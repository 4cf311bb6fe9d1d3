#!/usr/bin/env bash
# Benchmarks `ratetop replay --headless` against cat, wc -l and jq on a generated exchange log
# of 1,000,000 lines (about 1 GB with full headers), and again at 250,000 lines to show that
# ratetop's memory stays flat as the file grows.
#
#   scripts/bench-replay.sh            # from the repository root or anywhere
#   LINES=2000000 scripts/bench-replay.sh
#
# The logs are written under bench-data/ (gitignored) by `ratetop-gen bench` and reused when
# present. Needs GNU time (/usr/bin/time) and jq; installs nothing.
set -euo pipefail

cd "$(dirname "$0")/.."
LINES="${LINES:-1000000}"
SMALL_LINES="${SMALL_LINES:-250000}"
DATA_DIR="bench-data"

if [ ! -x /usr/bin/time ] || ! /usr/bin/time -f '%e' true >/dev/null 2>&1; then
    echo "bench-replay: GNU time is needed at /usr/bin/time (Debian/Ubuntu: apt-get install -y time)" >&2
    exit 2
fi
HAVE_JQ=1
if ! command -v jq >/dev/null 2>&1; then
    echo "bench-replay: jq not found, its rows are skipped (Debian/Ubuntu: apt-get install -y jq)" >&2
    HAVE_JQ=0
fi

echo "== swift build -c release" >&2
swift build -c release >&2
BIN="$(swift build -c release --show-bin-path)"

mkdir -p "$DATA_DIR"
generate() {
    local lines="$1" file="$DATA_DIR/exchange-$1.jsonl"
    if [ ! -s "$file" ]; then
        echo "== generating $file" >&2
        "$BIN/ratetop-gen" bench --lines "$lines" --output "$file.tmp" >&2
        mv "$file.tmp" "$file"
    fi
    echo "$file"
}

HAVE_RATETOP=1
if [ ! -x "$BIN/ratetop" ] || ! "$BIN/ratetop" replay --help >/dev/null 2>&1; then
    echo "bench-replay: $BIN/ratetop has no replay command yet, its rows are skipped" >&2
    HAVE_RATETOP=0
fi

JQ_FILTER='[.ts,.status,.model,.usage.input_tokens,.usage.output_tokens,.headers["anthropic-ratelimit-input-tokens-remaining"]]'
TMP="$(mktemp)"
trap 'rm -f "$TMP"' EXIT

# measure LABEL COMMAND...: runs COMMAND with stdout to /dev/null, prints "seconds peak_kb".
measure() {
    shift
    if ! /usr/bin/time -f '%e %M' -o "$TMP" "$@" >/dev/null 2>"$TMP.err"; then
        echo "bench-replay: failed: $*" >&2
        cat "$TMP.err" >&2
        rm -f "$TMP.err"
        echo "- -"
        return
    fi
    rm -f "$TMP.err"
    tail -n 1 "$TMP"
}

row() { printf '%-58s %9s %9s %9s\n' "$@"; }

for lines in "$SMALL_LINES" "$LINES"; do
    file="$(generate "$lines")"
    cat "$file" >/dev/null # warm the page cache so every row reads from memory
    size_mb=$(( $(stat -c %s "$file") / 1000000 ))
    echo
    echo "$file: $lines lines, $size_mb MB"
    row "command" "seconds" "peak MB" "vs cat"
    read -r cat_s cat_kb <<<"$(measure cat cat "$file")"
    results=("cat FILE|$cat_s|$cat_kb")
    read -r s kb <<<"$(measure wc wc -l "$file")"
    results+=("wc -l FILE|$s|$kb")
    if [ "$HAVE_JQ" = 1 ]; then
        read -r s kb <<<"$(measure jq jq -c "$JQ_FILTER" "$file")"
        results+=("jq -c '[.ts,.status,.model,...]' FILE|$s|$kb")
    fi
    if [ "$HAVE_RATETOP" = 1 ]; then
        read -r s kb <<<"$(measure ratetop "$BIN/ratetop" replay "$file" --headless --emit summary)"
        results+=("ratetop replay FILE --headless --emit summary|$s|$kb")
    fi
    for result in "${results[@]}"; do
        IFS='|' read -r label s kb <<<"$result"
        if [ "$s" = "-" ]; then
            row "$label" "failed" "-" "-"
            continue
        fi
        mb=$(awk -v kb="$kb" 'BEGIN { printf "%.1f", kb / 1024 }')
        ratio=$(awk -v s="$s" -v c="$cat_s" 'BEGIN { if (c > 0) printf "%.1fx", s / c; else print "-" }')
        row "$label" "$s" "$mb" "$ratio"
    done
done
