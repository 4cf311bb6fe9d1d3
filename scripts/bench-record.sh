#!/usr/bin/env bash
# Benchmarks `ratetop record`: a fake Anthropic API and a concurrent client (in one process),
# the release `ratetop record` binary in between. Prints latency p50/p99 direct vs through the
# proxy (non-streaming at 1 and 200 concurrent; 200 concurrent streams: first byte and whole
# stream), throughput, and the proxy's peak RSS and CPU time. Extra flags go to the benchmark:
#   scripts/bench-record.sh --requests 5000 --concurrency 200 --streams 200 --events 20 --interval-ms 10
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product ratetop
swift build -c release --product ratetop-bench-record
.build/release/ratetop-bench-record --ratetop .build/release/ratetop "$@"
