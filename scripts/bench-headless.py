#!/usr/bin/env python3
"""Benchmarks headless operation (`ratetop watch --headless`): CPU and memory while following
a log that grows by 100 lines a second, over a soak of N minutes, with the alert rules, a
webhook that is down (its queue and retries busy) and the /metrics endpoint scraped every 5 s.

Usage: scripts/bench-headless.py [--minutes 60] [--rate 100]
Prints one row per sample (CPU % of a core over the interval, RSS) and a verdict line; nothing
is asserted (the targets are in the README and the issue: < 5 % of a core, flat memory).
"""
import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
os.chdir(ROOT)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as handle:
        fields = handle.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def memory_mb(pid, key):
    with open(f"/proc/{pid}/status") as handle:
        for line in handle:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def line(rng, now):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + f".{int(now % 1 * 1000):03d}Z"
    model = "claude-sonnet-4-5-20250929" if rng.random() < 0.7 else "claude-haiku-4-5-20251001"
    if rng.random() < 0.03:
        return json.dumps({"ts": stamp, "model": model, "status": 429,
                           "error": {"type": "rate_limit_error", "message": "input tokens per minute"},
                           "headers": {"retry-after": "3"}}, separators=(",", ":"))
    return json.dumps({"ts": stamp, "latency_ms": rng.randint(300, 4000), "model": model, "status": 200,
                       "usage": {"input_tokens": rng.randint(200, 3000), "cache_creation_input_tokens": 0,
                                 "cache_read_input_tokens": rng.choice([0, 8000]), "output_tokens": rng.randint(20, 600)},
                       "headers": {"anthropic-ratelimit-requests-limit": "4000",
                                   "anthropic-ratelimit-requests-remaining": str(rng.randint(3800, 3990))}},
                      separators=(",", ":"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=2)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--sample", type=float, default=30, help="seconds between samples")
    parser.add_argument("--binary", help="a ratetop binary to measure (default: build release)")
    args = parser.parse_args()
    ratetop = args.binary
    if not ratetop:
        subprocess.run(["swift", "build", "-c", "release", "--product", "ratetop"], check=True, stdout=sys.stderr)
        bin_dir = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], check=True,
                                 capture_output=True, text=True).stdout.strip()
        ratetop = os.path.join(bin_dir, "ratetop")
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as directory:
        log = os.path.join(directory, "live.jsonl")
        open(log, "w").close()
        port = free_port()
        out = open(os.path.join(directory, "out.jsonl"), "w")
        err = open(os.path.join(directory, "err.log"), "w")
        process = subprocess.Popen([ratetop, "watch", log, "--headless", "--emit", "alerts",
                                    "--metrics-listen", f"127.0.0.1:{port}",
                                    "--webhook", f"http://127.0.0.1:{free_port()}/down"], stdout=out, stderr=err)
        pid = process.pid
        time.sleep(1)
        rows = []
        written = 0
        start = time.monotonic()
        next_sample = start + args.sample
        next_scrape = start
        cpu_before, at_before = cpu_seconds(pid), start
        with open(log, "a") as handle:
            while time.monotonic() - start < args.minutes * 60:
                now = time.monotonic()
                handle.write(line(rng, time.time()) + "\n")
                handle.flush()
                written += 1
                if now >= next_scrape:
                    next_scrape += 5
                    try:
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2).read()
                    except OSError as error:
                        print(f"scrape failed: {error}", file=sys.stderr)
                if now >= next_sample:
                    cpu = cpu_seconds(pid)
                    rows.append((now - start, written, (cpu - cpu_before) / (now - at_before) * 100,
                                 memory_mb(pid, "VmRSS")))
                    print("sample %8.0f s %8d lines %6.2f %% CPU %7.1f MB RSS" % rows[-1], file=sys.stderr, flush=True)
                    cpu_before, at_before = cpu, now
                    next_sample += args.sample
                time.sleep(max(0, start + written / args.rate - time.monotonic()))
        process.terminate()
        code = process.wait(timeout=30)
        err.close()
        errors = open(os.path.join(directory, "err.log")).read().splitlines()
    print(f"{'elapsed':>8} {'lines':>8} {'CPU % of a core':>16} {'RSS MB':>8}")
    for elapsed, lines, cpu, rss in rows:
        print(f"{elapsed:8.0f} {lines:8d} {cpu:16.2f} {rss:8.1f}")
    if rows:
        cpus = [row[2] for row in rows]
        rss = [row[3] for row in rows]
        print(f"CPU mean {sum(cpus) / len(cpus):.2f} %, max {max(cpus):.2f} % (target < 5 %); "
              f"RSS first {rss[0]:.1f} MB, last {rss[-1]:.1f} MB, max {max(rss):.1f} MB; "
              f"exit status on SIGTERM {code}; stderr lines {len(errors)}")


if __name__ == "__main__":
    main()
