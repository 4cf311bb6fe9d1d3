// Fuzz target `otlp-telemetry`: Claude Code's OpenTelemetry export as the core sees it
// (`ClaudeCodeTelemetryDecoder`): log records and metric points in any order, resent batches,
// restarts of cumulative series, times anywhere, and the releases of held metric increments.
// The wire formats (protobuf, OTLP/JSON) are SwiftProtobuf's; what can go wrong in ratetop is
// the mapping, so the input is a small text script of exports, one record per line:
//
//     log TIME OBSERVED key=value key=value ...      (key `body` is the record's body)
//     metric NAME VALUE START TIME delta|cumulative mono|not key=value ...
//     tick SECONDS                                   (the receiver's clock moves; holds release)
//
// Values: `#123` an integer, `%1.5` a double, `?true` a boolean, `!` an array or map (`.other`),
// anything else a string. Consecutive `log` lines are one export, consecutive `metric` lines one.
// Every event the decoder emits must be one the engine accepts (`Plausible.check`).
import RatetopCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOTLPTelemetry(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
    let models = ModelCatalog()
    var now = 1_800_000_000.0
    let decoder = ClaudeCodeTelemetryDecoder(startedAt: now, metricHold: 15)
    var logs: [TelemetryLogRecord] = []
    var points: [TelemetryMetricPoint] = []
    var events: [Exchange] = []

    func export() {
        if !logs.isEmpty {
            let result = decoder.decode(logs: logs, receivedAt: now, models: models, origin: LineOrigin(source: 0, line: 0))
            events += result.events
            Fuzz.sink(result.malformed &+ result.duplicates &+ result.problems.count)
            logs.removeAll()
        }
        if !points.isEmpty {
            let result = decoder.take(metrics: points, receivedAt: now)
            events += result.events
            Fuzz.sink(result.malformed &+ result.problems.count)
            points.removeAll()
        }
        now += 1
    }

    Fuzz.eachLine(input) { line, _ in
        let words = String(decoding: line, as: UTF8.self).split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard let kind = words.first else { return }
        switch kind {
        case "log":
            if !points.isEmpty { export() }
            var record = TelemetryLogRecord(timeUnixNano: words.count > 1 ? UInt64(words[1]) ?? 0 : 0,
                                            observedTimeUnixNano: words.count > 2 ? UInt64(words[2]) ?? 0 : 0)
            for word in words.dropFirst(3) {
                guard let (key, value) = attribute(word) else { continue }
                if key == "body" { record.body = value.text } else { record.attributes[key] = value }
            }
            logs.append(record)
        case "metric":
            if !logs.isEmpty { export() }
            guard words.count >= 5 else { return }
            var point = TelemetryMetricPoint(name: words[1], value: Double(words[2]) ?? 0,
                                             startTimeUnixNano: UInt64(words[3]) ?? 0, timeUnixNano: UInt64(words[4]) ?? 0,
                                             temporality: words.count > 5 && words[5] == "delta" ? .delta : .cumulative,
                                             isMonotonic: !(words.count > 6 && words[6] == "not"))
            for word in words.dropFirst(7) {
                if let (key, value) = attribute(word) { point.attributes[key] = value }
            }
            points.append(point)
        case "tick":
            export()
            let seconds = words.count > 1 ? Double(words[1]) ?? 1 : 1
            // The receiver's clock is the wall clock: forward only, by a sane step.
            if seconds.isFinite, seconds > 0 { now += min(seconds, 86_400 * 30) }
            events += decoder.release(now: now, models: models, origin: LineOrigin(source: 0, line: 0)).events
        default:
            return
        }
    }
    export()
    events += decoder.release(now: now, models: models, origin: LineOrigin(source: 0, line: 0), final: true).events
    for event in events {
        do {
            try Plausible.check(event)
        } catch {
            fatalError("the telemetry decoder emitted an event the engine would refuse: \(error.reason)")
        }
    }
    Fuzz.consume(events, models: models)
    Fuzz.sink(decoder.heldCount)
    return 0
}

/// `key=value` with a typed value (see the header).
private func attribute(_ word: String) -> (String, TelemetryValue)? {
    guard let equals = word.firstIndex(of: "=") else { return nil }
    let key = String(word[..<equals])
    let raw = word[word.index(after: equals)...]
    let value: TelemetryValue
    switch raw.first {
    case "#": value = Int64(raw.dropFirst()).map(TelemetryValue.int) ?? .string(String(raw))
    case "%": value = Double(raw.dropFirst()).map(TelemetryValue.double) ?? .string(String(raw))
    case "?": value = .bool(raw.dropFirst() == "true")
    case "!": value = .other
    default: value = .string(String(raw))
    }
    return (key, value)
}
