#!/usr/bin/env bash
# Regenerates screenshots/*.png from real runs of the release binary in tmux at 100x30.
#
#   scripts/screenshots.sh
#
# Needs tmux, python3 with Pillow (pip install pillow) and the DejaVu Sans Mono font
# (Debian: fonts-dejavu-core). Each shot: start ratetop in a detached tmux session of fixed
# size, drive it with keys, capture the pane with its colours, render it with ansi2png.py.
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in tmux python3; do
    command -v "$tool" >/dev/null || { echo "screenshots: $tool is needed" >&2; exit 2; }
done
python3 -c 'import PIL' 2>/dev/null || { echo "screenshots: Pillow is needed (pip install pillow)" >&2; exit 2; }

swift build -c release --product ratetop >&2
BIN="$(swift build -c release --show-bin-path)/ratetop"
SOCKET="$(mktemp -u /tmp/ratetop-shots.XXXXXX)"
COLS=100
ROWS=30
mkdir -p screenshots
trap 'tmux -S "$SOCKET" kill-server 2>/dev/null || true' EXIT

# shot NAME COMMAND [KEYS...] : runs COMMAND, sends each KEYS argument (a "sleep:N" waits N s).
shot() {
    local name="$1" command="$2"
    shift 2
    tmux -S "$SOCKET" kill-server 2>/dev/null || true
    TERM=xterm-256color tmux -S "$SOCKET" -f /dev/null new-session -d -s shot -x "$COLS" -y "$ROWS" \
        "env TERM=xterm-256color LANG=C.UTF-8 $command; sleep 30"
    tmux -S "$SOCKET" set-option -t shot status off >/dev/null
    sleep 1.5
    for key in "$@"; do
        case "$key" in
            sleep:*) sleep "${key#sleep:}" ;;
            *) tmux -S "$SOCKET" send-keys -t shot "$key"; sleep 0.3 ;;
        esac
    done
    sleep 0.5
    tmux -S "$SOCKET" capture-pane -e -p -t shot > "screenshots/$name.ans"
    python3 scripts/ansi2png.py "screenshots/$name.ans" "screenshots/$name.png" --cols "$COLS" --rows "$ROWS"
    rm -f "screenshots/$name.ans"
    echo "screenshots/$name.png" >&2
}

SAMPLE=samples/day.jsonl
# Normal: a calm morning on the sample day, 5-minute graphs.
shot normal "$BIN replay $SAMPLE --speed 60" Right Right Right Right Right Right Right Right Right Right Right Right sleep:2
# Throttled: the 10:30 backfill storm, input tokens exhausted, 429s piling up.
shot throttled "$BIN replay $SAMPLE --speed 30" \
    Right Right Right Right Right Right Right Right Right Right Right Right Right Right Right Right Right Right \
    Right Right Right Right Right Right Right Right Right Right Right Right sleep:4 space
# Replay with the help overlay open.
shot replay-help "$BIN replay $SAMPLE --speed 120" Right Right Right Right Right Right Right Right Right Right sleep:1 '?'
# The plan view (p) during the 10:30 storm: the last hour on every tier.
shot plan "$BIN replay $SAMPLE --speed 30" \
    Right Right Right Right Right Right Right Right Right Right Right Right Right Right Right Right Right Right \
    Right Right Right Right Right Right Right Right Right Right Right Right sleep:2 space p sleep:4
