#!/usr/bin/env python3
"""Benchmarks the live dashboard (`ratetop watch`) in a real terminal (tmux):

- time to first frame on a 100,000-line log (the whole file read, the first screen drawn);
- CPU while idle, and while following a log that grows by 100 lines a second;
- append-to-screen latency (a line appended until the screen counts it);
- peak memory (VmHWM).

Usage: scripts/bench-dashboard.py   (builds release, generates bench-data/exchange-100000.jsonl)
Needs tmux. Prints a table; nothing is asserted (targets are in the README and the issue).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def sh(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs).stdout


class Tmux:
    def __init__(self):
        self.socket = tempfile.mktemp(prefix="ratetop-bench-")

    def __call__(self, *args):
        return sh("tmux", "-S", self.socket, *args)

    def start(self, command, width=120, height=40):
        self("-f", "/dev/null", "new-session", "-d", "-s", "b", "-x", str(width), "-y", str(height),
             f"exec env TERM=xterm-256color LANG=C.UTF-8 {command}")
        return int(self("display", "-p", "-t", "b", "#{pane_pid}").strip())

    def screen(self):
        return self("capture-pane", "-p", "-t", "b")

    def wait(self, predicate, timeout=30, poll=0.005):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if predicate(screen):
                return True
            time.sleep(poll)
        return False

    def kill(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_mb(pid):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def exchange_line(model="claude-sonnet-4-5-20250929", when=None):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(when or time.time())) + ".000Z"
    return json.dumps({"ts": stamp, "latency_ms": 900, "model": model, "status": 200,
                       "usage": {"input_tokens": 1200, "cache_creation_input_tokens": 0,
                                 "cache_read_input_tokens": 8000, "output_tokens": 150},
                       "headers": {"anthropic-ratelimit-requests-limit": "4000",
                                   "anthropic-ratelimit-requests-remaining": "3990"}}, separators=(",", ":"))


def main():
    subprocess.run(["swift", "build", "-c", "release", "--product", "ratetop"], check=True, stdout=sys.stderr)
    subprocess.run(["swift", "build", "-c", "release", "--product", "ratetop-gen"], check=True, stdout=sys.stderr)
    bin_dir = sh("swift", "build", "-c", "release", "--show-bin-path").strip()
    ratetop = os.path.join(bin_dir, "ratetop")
    os.makedirs("bench-data", exist_ok=True)
    big = "bench-data/exchange-100000.jsonl"
    if not os.path.exists(big):
        subprocess.run([os.path.join(bin_dir, "ratetop-gen"), "bench", "--lines", "100000", "--output", big],
                       check=True, stdout=sys.stderr)
    rows = []

    # 1. Time to first frame on the 100k-line log, then idle CPU and peak memory.
    tmux = Tmux()
    try:
        started = time.monotonic()
        pid = tmux.start(f"{ratetop} watch {big}")
        ok = tmux.wait(lambda s: "lines 100k" in s)
        first_frame = time.monotonic() - started
        rows.append(("time to first frame, 100k-line log (126 MB)", f"{first_frame:.2f} s" if ok else "timeout", "< 0.5 s"))
        time.sleep(1)
        before = cpu_seconds(pid)
        time.sleep(10)
        idle = (cpu_seconds(pid) - before) / 10 * 100
        rows.append(("CPU while idle (10 s)", f"{idle:.1f} % of a core", "~0 %"))
        rows.append(("peak memory after reading 100k lines", f"{peak_mb(pid):.1f} MB", "bounded by the window"))
    finally:
        tmux.kill()

    # 2. Following a log growing by 100 lines/s, and append-to-screen latency.
    with tempfile.TemporaryDirectory() as directory:
        log = os.path.join(directory, "live.jsonl")
        with open(log, "w") as handle:
            handle.write(exchange_line() + "\n")
        tmux = Tmux()
        try:
            pid = tmux.start(f"{ratetop} watch {log}")
            tmux.wait(lambda s: "lines 1 " in s or s.rstrip().endswith("lines 1") or "lines 1  " in s)
            time.sleep(1)
            before = cpu_seconds(pid)
            seconds = 15
            written = 1
            with open(log, "a") as handle:
                start = time.monotonic()
                while time.monotonic() - start < seconds:
                    handle.write(exchange_line() + "\n")
                    handle.flush()
                    written += 1
                    time.sleep(max(0, start + written / 100 - time.monotonic()))
            following = (cpu_seconds(pid) - before) / (time.monotonic() - start) * 100
            rows.append((f"CPU following 100 lines/s ({written - 1} lines)", f"{following:.1f} % of a core", "< 5 %"))
            rows.append(("peak memory while following", f"{peak_mb(pid):.1f} MB", ""))
        finally:
            tmux.kill()

    # 3. Append-to-screen latency on a fresh log (the status line counts lines exactly below 1,000).
    with tempfile.TemporaryDirectory() as directory:
        log = os.path.join(directory, "latency.jsonl")
        with open(log, "w") as handle:
            handle.write(exchange_line() + "\n")
        tmux = Tmux()
        try:
            pid = tmux.start(f"{ratetop} watch {log}")
            tmux.wait(lambda s: "lines 1 " in s or s.rstrip().endswith("lines 1"))
            time.sleep(1)
            latencies = []
            count = 1
            for _ in range(20):
                time.sleep(0.3)
                with open(log, "a") as handle:
                    handle.write(exchange_line() + "\n")
                appended = time.monotonic()
                count += 1
                label = f"lines {count} "
                if tmux.wait(lambda s: label in s or s.rstrip().endswith(label.strip()), timeout=5, poll=0.002):
                    latencies.append((time.monotonic() - appended) * 1000)
            if latencies:
                latencies.sort()
                rows.append((f"append-to-screen latency ({len(latencies)} lines)",
                             f"median {latencies[len(latencies) // 2]:.0f} ms, max {latencies[-1]:.0f} ms", "< 250 ms"))
        finally:
            tmux.kill()

    print(f"{'measure':<56} {'ratetop':<28} target")
    for name, value, target in rows:
        print(f"{name:<56} {value:<28} {target}")
    print("claude-monitor, for comparison, refreshes every 3 s (its README: 'Updates every 3 seconds').")


if __name__ == "__main__":
    main()
