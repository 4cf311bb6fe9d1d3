"""Emits, through the real OpenTelemetry Python SDK and its OTLP/HTTP exporter, what Claude Code's
telemetry exports for a list of API requests: the `claude_code.api_request` / `claude_code.api_error`
events (OTLP logs, the attributes of Claude Code's monitoring documentation) and the
`claude_code.token.usage` counter (delta temporality, Claude Code's default), metrics first, so the
receiver sees the metric before the events of the same requests.

Used by OTLPExporterEndToEndTests: python claude_code_exporter.py REQUESTS.json http://127.0.0.1:PORT [protobuf|json]
REQUESTS.json: [{"time": epoch seconds, "session": str, "model": str, "status": int,
                 "input": int, "output": int, "cache_read": int, "cache_creation": int, "duration_ms": int}]
"""
import json
import sys

from opentelemetry._logs import LogRecord, SeverityNumber
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import Counter, MeterProvider
from opentelemetry.sdk.metrics.export import AggregationTemporality, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import Resource

requests_path, endpoint = sys.argv[1], sys.argv[2].rstrip("/")
with open(requests_path) as f:
    requests = json.load(f)

resource = Resource.create({"service.name": "claude-code", "service.version": "2.1.30", "os.type": "linux"})

# Metrics first: the token counter, exported once.
reader = PeriodicExportingMetricReader(
    OTLPMetricExporter(endpoint=f"{endpoint}/v1/metrics", compression=Compression.NoCompression,
                       preferred_temporality={Counter: AggregationTemporality.DELTA}),
    export_interval_millis=3_600_000)
meters = MeterProvider(resource=resource, metric_readers=[reader])
tokens = meters.get_meter("com.anthropic.claude_code", "2.1.30").create_counter(
    "claude_code.token.usage", unit="tokens", description="Number of tokens used")
for r in requests:
    if r["status"] != 200:
        continue
    for kind, key in (("input", "input"), ("output", "output"), ("cacheRead", "cache_read"), ("cacheCreation", "cache_creation")):
        if r[key]:
            tokens.add(r[key], {"type": kind, "model": r["model"], "session.id": r["session"]})
if not meters.force_flush(timeout_millis=20_000):
    sys.exit("metrics: force_flush failed")

logs = LoggerProvider(resource=resource)
exporter = OTLPLogExporter(endpoint=f"{endpoint}/v1/logs", compression=Compression.NoCompression)
logs.add_log_record_processor(BatchLogRecordProcessor(exporter, schedule_delay_millis=200, max_export_batch_size=5))
logger = logs.get_logger("com.anthropic.claude_code.events", "2.1.30")
for sequence, r in enumerate(requests):
    nanos = int(round(r["time"] * 1000)) * 1_000_000
    attributes = {
        "event.sequence": sequence,
        "session.id": r["session"],
        "prompt.id": f"prompt-{sequence // 2}",
        "model": r["model"],
        "duration_ms": r["duration_ms"],
    }
    if r["status"] == 200:
        name = "api_request"
        attributes.update({"input_tokens": r["input"], "output_tokens": r["output"], "cache_read_tokens": r["cache_read"],
                           "cache_creation_tokens": r["cache_creation"], "cost_usd": 0.001})
    else:
        name = "api_error"
        attributes.update({"status_code": str(r["status"]), "error": f"{r['status']} error", "attempt": 1})
    attributes["event.name"] = name
    logger.emit(LogRecord(timestamp=nanos, observed_timestamp=nanos, severity_number=SeverityNumber.INFO,
                          body=f"claude_code.{name}", attributes=attributes))
if not logs.force_flush(timeout_millis=20_000):
    sys.exit("logs: force_flush failed")
logs.shutdown()
meters.shutdown()
print(f"sent {len(requests)} events")
