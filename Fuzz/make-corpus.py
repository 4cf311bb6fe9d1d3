#!/usr/bin/env python3
"""Writes the seed corpus of every fuzz target (Fuzz/corpus/<target>/) and the dictionaries
(Fuzz/dict/<target>.dict) from the repository's own inputs:

- string literals of the test sources (Tests/**/*.swift): lines, pages, expositions and YAML the
  tests feed to the decoders and parsers, sorted to the targets by what they look like
  (`\\(...)` interpolations become numbers);
- slices of samples/day.jsonl (a few lines each: the 429 storm, retries, both model classes);
- slices of logs written by ratetop-gen (bench, sparse, late, claude-code), when a directory of
  them is given (see --generated);
- the bundled limits table;
- the hostile inputs of issue #14 (files named h-*);
- dictionaries: the keys and literals the decoders and parsers compare against, read from
  Sources/RatetopCore.

Seeds are named t-<test file>-<n> (tests), s-day-<n> (the sample), g-<log>-<n> (generated),
b-* (bundled) and h-<what> (hostile). Run from the repository root:

    ratetop-gen bench --lines 400 --span 20m -o G/bench.jsonl   # and the others: see README
    python3 Fuzz/make-corpus.py --generated G
"""
import argparse
import hashlib
import os
import re
import shutil
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "corpus")
DICT = os.path.join(ROOT, "Fuzz", "dict")
TARGETS = ["exchange", "claude-code", "litellm", "usage-report-lines", "usage-report-document", "json-cursor",
           "prometheus-text", "config", "limits-table", "pipeline", "scrape-pipeline"]

seeds = {target: {} for target in TARGETS}  # target -> name -> bytes


def add(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    if not data:
        return
    digest = hashlib.sha1(data).digest()
    if any(hashlib.sha1(existing).digest() == digest for existing in seeds[target].values()):
        return
    seeds[target][name] = data


# --- Swift string literals ---------------------------------------------------------------

def interpolate(text, value="1"):
    """Replaces `\\(...)` (balanced parentheses) with `value`."""
    out = []
    i = 0
    while i < len(text):
        if text.startswith("\\(", i):
            depth = 0
            j = i + 1
            while j < len(text):
                if text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            out.append(value)
            i = j + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def unescape(text):
    def repl(m):
        e = m.group(1)
        if e.startswith("u{"):
            return chr(int(e[2:-1], 16))
        return {"n": "\n", "t": "\t", "r": "\r", "0": "\0", '"': '"', "\\": "\\", "'": "'"}.get(e, e)
    return re.sub(r'\\(u\{[0-9a-fA-F]+\}|.)', repl, text)


def literals(source, value="1"):
    """The string literals of a Swift file: multi-line ones with their indentation removed,
    raw ones as written, others with their escapes resolved."""
    found = []
    i = 0
    n = len(source)
    while i < n:
        if source.startswith("//", i):
            i = source.find("\n", i)
            if i < 0:
                break
            continue
        m = re.compile(r'(#*)"""').match(source, i)
        if m:
            hashes = m.group(1)
            close = '"""' + hashes
            end = source.find(close, m.end())
            if end < 0:
                break
            body = source[m.end():end]
            lines = body.split("\n")[1:]
            indent = len(lines[-1]) - len(lines[-1].lstrip()) if lines else 0
            text = "\n".join(line[indent:] for line in lines[:-1])
            text = re.sub(r"\\\n", "", text) if not hashes else text
            if not hashes:
                text = unescape(interpolate(text, value))
            found.append(text)
            i = end + len(close)
            continue
        m = re.compile(r'(#*)"').match(source, i)
        if m:
            hashes = m.group(1)
            j = m.end()
            while j < n and source[j] != "\n":
                if not hashes and source[j] == "\\":
                    if source.startswith("\\(", j):
                        depth = 0
                        while j < n:
                            if source[j] == "(":
                                depth += 1
                            elif source[j] == ")":
                                depth -= 1
                                if depth == 0:
                                    break
                            j += 1
                    j += 2 if source[j:j + 1] == "\\" else 1
                    continue
                if source.startswith('"' + hashes, j):
                    break
                j += 1
            body = source[m.end():j]
            found.append(body if hashes else unescape(interpolate(body, value)))
            i = j + 1 + len(hashes)
            continue
        i += 1
    return found


def test_files():
    for folder, _, files in os.walk(os.path.join(ROOT, "Tests")):
        for name in sorted(files):
            if name.endswith(".swift"):
                yield os.path.join(folder, name)


def classify_line(line):
    """The log format a JSON line looks like, or None."""
    if not line.startswith("{") or '"rate_limit"' in line:
        return None
    if '"ts"' in line and ('"status"' in line or '"model"' in line):
        return "exchange"
    if '"type":"assistant"' in line or '"sessionId"' in line or '"type":"user"' in line or '"isApiErrorMessage"' in line:
        return "claude-code"
    if '"startTime"' in line or '"endTime"' in line or '"call_type"' in line:
        return "litellm"
    if '"starting_at"' in line or '"data":[' in line:
        return "usage-report-lines"
    return None


SELECTOR = {"exchange": "e", "claude-code": "c", "litellm": "l", "usage-report-lines": "u", "usage-report-document": "d"}


def from_tests():
    for path in test_files():
        stem = os.path.splitext(os.path.basename(path))[0]
        source = open(path, encoding="utf-8").read()
        count = {}

        def seed(target, data):
            count[target] = count.get(target, 0) + 1
            add(target, "t-%s-%d" % (stem, count[target]), data)

        for text in literals(source):
            stripped = text.strip()
            if not stripped:
                continue
            lines = [line for line in stripped.split("\n") if line.strip()]
            # JSON lines of a log format.
            formats = {classify_line(line) for line in lines}
            if len(lines) >= 1 and formats and None not in formats and len(formats) == 1:
                target = formats.pop()
                seed(target, stripped + "\n")
                seed("json-cursor", lines[0])
                seed("pipeline", SELECTOR[target] + stripped + "\n")
                if len(lines) > 1:
                    seed("pipeline", SELECTOR[target].upper() + stripped + "\n")
                continue
            # A pretty-printed usage report (a document over many lines).
            if stripped.startswith(("{", "[")) and '"starting_at"' in stripped and len(lines) > 1:
                seed("usage-report-document", stripped + "\n")
                seed("pipeline", "d" + stripped + "\n")
                continue
            # Prometheus text.
            if re.search(r"^(# (TYPE|HELP) |[a-zA-Z_:][a-zA-Z0-9_:]*(\{| )[^\n]*[0-9])", stripped, re.M) and (
                    "litellm_" in stripped or "ratetop_" in stripped or "# TYPE" in stripped
                    or "PrometheusText" in stem or "Mapping" in stem):
                seed("prometheus-text", stripped + "\n")
                continue
            # YAML for the config file or the limits table.
            if "\n" in stripped and re.search(r"^[a-z_]+:", stripped, re.M):
                if (re.search(r"^(classes|schemes|prices|limits|version|data):", stripped, re.M) and "Config" not in stem
                        and "event:" not in stripped):
                    seed("limits-table", stripped + "\n")
                elif "Config" in stem or re.search(r"^(rules|tier|interval|stale_after|sources):", stripped, re.M):
                    seed("config", stripped + "\n")
                continue
            # JSON documents and fragments for the cursor.
            if stripped.startswith(("{", "[", '"')) or "JSONCursor" in stem:
                seed("json-cursor", stripped)
                if stripped.startswith("{") and ('"data"' in stripped or '"rate_limit"' in stripped) and "Limits" in stem:
                    seed("limits-table", stripped + "\n")
        # Fragments of lines the tests wrap in a template (the error tables): whole lines.
        for fragment in re.findall(r'\(#"(\\"status\\"[^\n]*?|"status"[^\n]*?)"#,', source):
            if stem.startswith("ExchangeLogDecoder"):
                line = '{"ts":"2026-11-20T09:00:00Z","model":"claude-sonnet-4-5",%s}' % fragment
                seed("exchange", line + "\n")
            elif stem.startswith("LiteLLMDecoder"):
                line = '{"startTime":1763629200.5,"endTime":1763629202.5,"model":"claude-haiku-4-5",%s}' % fragment
                seed("litellm", line + "\n")


def report_pages():
    """The pretty-printed reports again as JSON lines (a page per line) for the line decoder."""
    import json
    for name, data in list(seeds["usage-report-document"].items()):
        try:
            document = json.loads(data)
        except ValueError:
            continue
        pages = document if isinstance(document, list) else [document]
        add("usage-report-lines", name + "-lines", "".join(json.dumps(page, separators=(",", ":")) + "\n" for page in pages))


def scrape_pairs():
    """Two scrapes of each exposition the tests build: the counters' baseline, then grown."""
    count = 0
    for path in test_files():
        source = open(path, encoding="utf-8").read()
        if "litellm_" not in source and "ratetop_" not in source:
            continue
        first = literals(source, "10")
        second = literals(source, "250")
        for a, b in zip(first, second):
            a, b = a.strip(), b.strip()
            if not re.search(r"^(litellm|ratetop)_[a-z_]+(\{[^\n]*\})? [0-9]", a, re.M):
                continue
            count += 1
            stem = os.path.splitext(os.path.basename(path))[0]
            add("scrape-pipeline", "t-%s-%d" % (stem, count), b"\x00" + a.encode() + b"\n\x00" + b.encode() + b"\n")
            add("scrape-pipeline", "t-%s-%d-two" % (stem, count),
                b"\x08" + a.encode() + b"\n\x00" + a.encode() + b"\n\x00" + b.encode() + b"\n\x00\x00" + b.encode() + b"\n")


# --- Logs --------------------------------------------------------------------------------

def slices(path, prefix, targets, count, length, selector):
    lines = [line for line in open(path, encoding="utf-8").read().split("\n") if line.strip()]
    if not lines:
        return
    step = max(1, (len(lines) - length) // max(1, count - 1))
    for k in range(count):
        chunk = "\n".join(lines[k * step:k * step + length]) + "\n"
        for target in targets:
            data = (selector + chunk) if target == "pipeline" else chunk
            add(target, "%s-%d" % (prefix, k + 1), data)
        if "json-cursor" not in targets:
            add("json-cursor", "%s-%d" % (prefix, k + 1), lines[k * step])


def from_sample():
    path = os.path.join(ROOT, "samples", "day.jsonl")
    lines = open(path, encoding="utf-8").read().split("\n")
    # Around the 10:30 storm: 429s and retries among successes.
    storm = [i for i, line in enumerate(lines) if '"status":429' in line]
    picks = [0, len(lines) // 3, len(lines) // 2, (2 * len(lines)) // 3, len(lines) - 12]
    if storm:
        picks += [storm[0] - 3, storm[len(storm) // 2] - 3]
    for k, start in enumerate(picks):
        chunk = "\n".join(line for line in lines[max(0, start):max(0, start) + 10] if line.strip()) + "\n"
        add("exchange", "s-day-%d" % (k + 1), chunk)
        add("pipeline", "s-day-%d" % (k + 1), ("e" if k % 2 == 0 else "E") + chunk)
    add("json-cursor", "s-day-1", lines[0])


def from_generated(folder):
    for name, selector, count, length in [("bench.jsonl", "e", 3, 12), ("bench-noheaders.jsonl", "E", 2, 20),
                                          ("sparse.jsonl", "e", 3, 10), ("late.jsonl", "E", 3, 12)]:
        path = os.path.join(folder, name)
        if os.path.exists(path):
            slices(path, "g-" + name.split(".")[0], ["exchange", "pipeline"], count, length, selector)
    sessions = os.path.join(folder, "cc")
    if os.path.isdir(sessions):
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(sessions) for f in fs if f.endswith(".jsonl"))
        for k, path in enumerate(files[:4]):
            slices(path, "g-claude-code-%d" % (k + 1), ["claude-code", "pipeline"], 2, 10, "c" if k % 2 == 0 else "C")


def from_bundled():
    table = open(os.path.join(ROOT, "Sources", "RatetopIO", "Resources", "limits-table.yaml"), encoding="utf-8").read()
    add("limits-table", "b-limits-table", table)
    add("config", "b-readme-example", """tier: tier2
limits: ./limits.yaml
format: auto
sources: [logs/*.jsonl]
interval: 10s
stale_after: 5m
rules:
  - id: headroom_low
    severity: warning
    fire: 0.15
    clear: 0.25
  - id: cache_hit_drop
    enabled: false
  - id: spend_capped
    metric: spend_capped
    severity: critical
""")


# --- Hostile inputs (issue #14) ----------------------------------------------------------

def exchange_line(usage, ts="2026-11-20T09:00:00Z", model="claude-sonnet-4-5-20250929"):
    return '{"ts":"%s","status":200,"model":"%s","usage":{%s}}' % (ts, model, usage)


def hostile():
    big = exchange_line('"input_tokens":8.9e18,"output_tokens":1') + "\n"
    add("exchange", "h-input-8.9e18", big)
    add("pipeline", "h-input-8.9e18", "e" + big)
    two = (exchange_line('"input_tokens":5000000000000000000,"output_tokens":1') + "\n"
           + exchange_line('"input_tokens":5000000000000000000,"output_tokens":1', ts="2026-11-20T09:00:01Z") + "\n")
    add("exchange", "h-sum-past-int-max", two)
    add("pipeline", "h-sum-past-int-max", "e" + two)
    add("pipeline", "h-sum-past-int-max-two-files", "E" + two)
    both = exchange_line('"input_tokens":8000000000000000000,"cache_creation_input_tokens":8000000000000000000,"output_tokens":1') + "\n"
    add("exchange", "h-input-plus-cache-creation-8e18", both)
    add("pipeline", "h-input-plus-cache-creation-8e18", "e" + both)
    for name, value in [("1e400", "1e400"), ("2^63", "9223372036854775808")]:
        line = exchange_line('"input_tokens":%s,"output_tokens":1' % value) + "\n"
        add("exchange", "h-input-" + name, line)
        add("pipeline", "h-input-" + name, "e" + line)
        add("json-cursor", "h-number-" + name, '{"input_tokens":%s}' % value)
        cc = ('{"type":"assistant","timestamp":"2026-11-20T09:00:00Z","requestId":"r1","sessionId":"s1",'
              '"message":{"id":"m1","model":"claude-sonnet-4-6","usage":{"input_tokens":%s,"output_tokens":1}}}\n' % value)
        add("claude-code", "h-input-" + name, cc)
        add("pipeline", "h-claude-code-input-" + name, "c" + cc)
        ll = '{"endTime":1763629200,"model":"c","usage":{"input_tokens":%s}}\n' % value
        add("litellm", "h-input-" + name, ll)
    for name, line in [("endTime-1e30", '{"endTime":1e30,"model":"c"}'),
                       ("startTime-1001e19", '{"startTime":1001e19,"model":"c"}'),
                       ("startTime-1001e19-endTime-2025", '{"startTime":1001e19,"endTime":1763629202,"model":"c"}'),
                       ("endTime-1e40", '{"endTime":1e40,"model":"c"}'),
                       ("endTime-minus-1e30", '{"endTime":-1e30,"model":"c"}')]:
        add("litellm", "h-" + name, line + "\n")
        add("pipeline", "h-litellm-" + name, "l" + line + "\n")
    pair = '{"endTime":1e19,"model":"c"}\n{"endTime":1.00000000001e19,"model":"c"}\n'
    add("litellm", "h-ms-1e19-pair", pair)
    add("pipeline", "h-litellm-ms-1e19-pair", "l" + pair)
    year0 = (exchange_line('"input_tokens":10,"output_tokens":1', ts="0000-01-01T00:00:00Z") + "\n"
             + exchange_line('"input_tokens":10,"output_tokens":1', ts="2026-11-20T09:00:00Z") + "\n")
    add("exchange", "h-year-0000-then-2026", year0)
    add("pipeline", "h-year-0000-then-2026", "e" + year0)
    cc0 = ('{"type":"assistant","timestamp":"0000-01-01T00:00:00Z","requestId":"r0","message":{"id":"m0","model":"claude-sonnet-4-6","usage":{"input_tokens":1,"output_tokens":1}}}\n'
           '{"type":"assistant","timestamp":"2026-11-20T09:00:00Z","requestId":"r1","message":{"id":"m1","model":"claude-sonnet-4-6","usage":{"input_tokens":1,"output_tokens":1}}}\n')
    add("pipeline", "h-claude-code-year-0000-then-2026", "c" + cc0)
    # The widest gap a log can now hold (times outside 2000-2100 are malformed): a century
    # between two lines, in one file and across two, played on the replay clock as it is.
    century = exchange_line('"input_tokens":10,"output_tokens":1', ts="2000-01-01T00:00:00Z") + "\n"
    end = exchange_line('"input_tokens":10,"output_tokens":1', ts="2099-12-31T23:59:59Z") + "\n"
    add("pipeline", "h-year-2000-then-2099", "e" + century + end)
    add("pipeline", "h-year-2000-then-2099-two-files",
        "E" + end + century + century.replace("00:00:00Z", "00:00:01Z") + end.replace(":59Z", ":58Z"))
    # Issue #14's 20,000 distinct model ids, cut to what fits the targets' -max_len (64 KiB,
    # Fuzz/options/pipeline): 1,600 ids, each on a line of its own a tenth of a second apart,
    # well past the engine's 64 unknown classes (the rest share `other`).
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
    ids = ("%s%s%s" % (alphabet[i // 1296], alphabet[i // 36 % 36], alphabet[i % 36]) for i in range(1600))
    many = "".join('{"endTime":%.1f,"model":"%s"}\n' % (1763629200 + i / 10, model) for i, model in enumerate(ids))
    add("pipeline", "h-1600-distinct-models", "l" + many)

    # Prometheus bodies: a baseline scrape, then the hostile values.
    bucket = 'bucket="sonnet-4.x"'
    bodies = {
        "ratetop-limit-1e30": ('ratetop_bucket_limit{%s,dimension="input_tokens"} 30000\n' % bucket,
                               'ratetop_bucket_limit{%s,dimension="input_tokens"} 1e30\n' % bucket),
        "ratetop-remaining-1e19": ('ratetop_bucket_remaining{%s,dimension="input_tokens"} 20000\n' % bucket,
                                   'ratetop_bucket_remaining{%s,dimension="input_tokens"} 1e19\n' % bucket),
        "ratetop-tokens-1e30": ('ratetop_tokens_total{%s,kind="input"} 1\n' % bucket,
                                'ratetop_tokens_total{%s,kind="input"} 1e30\n' % bucket),
        "ratetop-requests-1e30": ('ratetop_requests_total{%s} 1\n' % bucket, 'ratetop_requests_total{%s} 1e30\n' % bucket),
        "litellm-input-1e30": ('litellm_input_tokens{model="anthropic/claude-sonnet-4-5"} 0\n',
                               'litellm_input_tokens{model="anthropic/claude-sonnet-4-5"} 1e30\n'),
    }
    for name, (baseline, hostile_body) in bodies.items():
        add("prometheus-text", "h-" + name, hostile_body)
        add("scrape-pipeline", "h-" + name, "\x00" + baseline + "\x00" + hostile_body)


# --- Dictionaries ------------------------------------------------------------------------

def dictionary_words(paths):
    words = set()
    for path in paths:
        source = open(os.path.join(ROOT, path), encoding="utf-8").read()
        for word in re.findall(r'(?:equals|hasPrefix|hasSuffix|contains|firstRange\(of:)\(?"([^"\\]{2,60})"', source):
            words.add(word)
        for word in re.findall(r'case "([a-z0-9_\-]{2,40})"', source):
            words.add(word)
    return words


def write_dict(target, words, quoted_keys=True):
    entries = set()
    for word in sorted(words):
        entries.add(word)
        if quoted_keys:
            entries.add('"%s":' % word)
    with open(os.path.join(DICT, target + ".dict"), "w") as out:
        out.write("# Keys and literals the %s target's code compares against (Fuzz/make-corpus.py).\n" % target)
        for entry in sorted(entries):
            # libFuzzer's dictionary syntax: printable ASCII, with \\, \" and \xNN escapes.
            escaped = "".join("\\" + c if c in '\\"' else c if " " <= c <= "~" else
                              "".join("\\x%02X" % b for b in c.encode()) for c in entry)
            out.write('"%s"\n' % escaped)


def dictionaries():
    os.makedirs(DICT, exist_ok=True)
    decoding = "Sources/RatetopCore/Decoding/"
    api = dictionary_words([decoding + "APIObjects.swift", decoding + "JSONCursor.swift"])
    numbers = {"1e400", "9223372036854775808", "-1", "1e30", "1e19", "8.9e18", "0.5", "null", "true", "false",
               "2026-11-20T09:00:00Z", "2026-11-20T09:00:00.123+01:00", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59Z"}
    write_dict("exchange", dictionary_words([decoding + "ExchangeLogDecoder.swift"]) | api | numbers
               | {"anthropic-ratelimit-input-tokens-limit", "anthropic-ratelimit-requests-remaining", "retry-after",
                  "latency_ms", "ttfb_ms", "cache_creation_input_tokens", "cache_read_input_tokens", "ephemeral_1h_input_tokens"})
    write_dict("claude-code", dictionary_words([decoding + "ClaudeCodeTranscriptDecoder.swift"]) | api | numbers
               | {"assistant", "user", "timestamp", "requestId", "sessionId", "message", "usage", "isApiErrorMessage"})
    write_dict("litellm", dictionary_words([decoding + "LiteLLMDecoder.swift"]) | api | numbers
               | {"startTime", "endTime", "completionStartTime", "prompt_tokens", "completion_tokens", "hidden_params",
                  "additional_headers", "metadata", "usage_object", "error_information", "1e11", "1763629200123"})
    report = dictionary_words([decoding + "UsageReportDecoder.swift"]) | api | numbers | {
        "data", "results", "starting_at", "ending_at", "uncached_input_tokens", "cache_creation",
        "ephemeral_5m_input_tokens", "service_tier", "batch", "has_more", "next_page"}
    write_dict("usage-report-lines", report)
    write_dict("usage-report-document", report)
    write_dict("json-cursor", {"{", "}", "[", "]", ",", ":", "\\u00e9", "\\ud83d\\ude00", "\\\"", "1e-400"} | numbers,
               quoted_keys=False)
    prometheus = {"# HELP ", "# TYPE ", " counter", " gauge", " histogram", "NaN", "+Inf", "-Inf", "_total", "_created",
                  "{", "}", "=\"", "\",", "1e30", "1e19", "9223372036854775807"}
    for path in ["Sources/RatetopCore/Prometheus/RatetopMetricsMapper.swift",
                 "Sources/RatetopCore/Prometheus/LiteLLMMetricsMapper.swift"]:
        prometheus |= set(re.findall(r'"((?:ratetop|litellm)_[a-z_]+)"', open(os.path.join(ROOT, path)).read()))
    prometheus |= {"bucket", "dimension", "kind", "status", "source", "exception_status", "litellm_model_name",
                   "model_group", "requested_model", "input_tokens", "output_tokens", "requests", "cache_read",
                   "cache_creation", "input", "output", "429", "529", "headers", "sonnet-4.x", "haiku-4.5"}
    write_dict("prometheus-text", prometheus, quoted_keys=False)
    write_dict("scrape-pipeline", prometheus | {"\x00"}, quoted_keys=False)
    config = open(os.path.join(ROOT, "Sources/RatetopCore/Config/RatetopConfig.swift")).read()
    yaml_words = set(re.findall(r'"([a-z_]{2,30})"', config)) | {": ", "\n  - ", "\n    ", "[", "]", "{", "}", "&a", "*a",
                                                                 "!!float", ".nan", ".inf", "-.inf", "~", "ms", "1e308"}
    rules = open(os.path.join(ROOT, "Sources/RatetopCore/Alerts/AlertRule.swift")).read()
    yaml_words |= set(re.findall(r'case ([a-z][A-Za-z0-9]*)\b', rules))
    write_dict("config", yaml_words, quoted_keys=False)
    limits = {"version: ", "classes:", "schemes:", "prices:", "limits:", "data:", "id: ", "name: ", "models: ",
              "tiers:", "in_force:", "from: ", "until: ", "reached_by: ", "credit_threshold_usd: ",
              "monthly_spend_cap_usd: ", "cache_reads_count_toward_itpm: ", "cache_write_5m_multiplier: ",
              "batch_discount: ", "input: ", "output: ", "rate_limit", "requests_per_minute",
              "input_tokens_per_minute", "output_tokens_per_minute", "type: ", "value: ", "group_type: ",
              "\n  - ", "\n    ", "[", "]", "{", "}", "*", "2026-04-26", "9223372036854775807", "1e30", "&a", "*a"}
    write_dict("limits-table", limits, quoted_keys=False)
    write_dict("pipeline", dictionary_words([decoding + "ExchangeLogDecoder.swift", decoding + "LiteLLMDecoder.swift",
                                             decoding + "ClaudeCodeTranscriptDecoder.swift"]) | api | numbers)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--generated", help="a directory of ratetop-gen logs (bench.jsonl, sparse.jsonl, late.jsonl, "
                                            "bench-noheaders.jsonl, cc/)")
    args = parser.parse_args()
    from_tests()
    report_pages()
    scrape_pairs()
    from_sample()
    if args.generated:
        from_generated(args.generated)
    from_bundled()
    hostile()
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    total = 0
    for target in TARGETS:
        folder = os.path.join(CORPUS, target)
        os.makedirs(folder)
        size = 0
        for name, data in sorted(seeds[target].items()):
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)
            with open(os.path.join(folder, safe), "wb") as out:
                out.write(data)
            size += len(data)
        total += size
        print("%-22s %4d seeds %9d bytes" % (target, len(seeds[target]), size))
    print("%-22s %4s       %9d bytes" % ("total", "", total))
    dictionaries()


if __name__ == "__main__":
    sys.exit(main())
