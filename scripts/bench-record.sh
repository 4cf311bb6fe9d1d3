#!/usr/bin/env bash
# Benchmarks `ratetop record`: a fake Anthropic API and a concurrent client (in one process, on
# one event loop), the release `ratetop record` binary in between. Prints latency p50/p99 direct
# vs through the proxy — one call alone; 200 in flight with the API answering in ~1 s; saturation;
# streams alone and 200 in flight paced like the API — with throughput, the proxy's CPU time per
# call, its peak RSS and the log's line count.
#
# With two cores or more, the benchmark runs on CPU 0 and the proxy on CPU 1, so that the
# proxy's latency is not the load generator's queueing (in production they are different
# machines). Extra flags go to the benchmark:
#   scripts/bench-record.sh --requests 5000 --concurrency 200 --upstream-ms 1000 \
#                           --streams 200 --first-ms 500 --events 50 --interval-ms 20
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ratetop
swift build -c release --product ratetop-bench-record
if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
    exec taskset -c 0 .build/release/ratetop-bench-record --ratetop .build/release/ratetop --proxy-cpus 1 "$@"
fi
exec .build/release/ratetop-bench-record --ratetop .build/release/ratetop "$@"
