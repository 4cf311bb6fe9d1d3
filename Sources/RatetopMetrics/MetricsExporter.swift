import Foundation
import Prometheus
import RatetopCore

/// The engine's estimates as Prometheus metrics: a runner calls `update` once per tick and the
/// `/metrics` endpoint renders `exposition()`. Series are per model class (`bucket`) and
/// dimension, so cardinality is classes × 3 dimensions plus one series per alert that has fired;
/// nothing is labelled by model, request or consumer.
///
/// Unknown values are left out (no NaN): a bucket whose limit is unknown has no `limit`,
/// `remaining` or `seconds_to_empty` sample. Counters are set from the engine's cumulative totals
/// and never go down. Safe to call from any thread: `update` and `exposition` take a lock.
public final class MetricsExporter: @unchecked Sendable {
    /// The content type of `exposition()`: Prometheus text format 0.0.4.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The registry the metrics live in (swift-prometheus).
    public let registry: PrometheusCollectorRegistry

    private let lock = NSLock()
    /// Gauges set at the last update: a gauge absent from the next update is unregistered, so
    /// its sample disappears instead of going stale.
    private var gauges: [MetricSeries: Gauge] = [:]
    /// Counters and the cumulative total each was last advanced to.
    private var counters: [MetricSeries: (counter: Counter, total: Int)] = [:]
    /// Every alert that has fired at least once, in order: its series stays (at 0) once resolved.
    private var knownAlerts: [ActiveAlert] = []

    /// `buildInfo`: the labels of `ratetop_build_info` (`version`, `limits_table`), set once.
    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
                buildInfo: KeyValuePairs<String, String> = ["version": RatetopVersion.version]) {
        self.registry = registry
        let labels = buildInfo.map { ($0.key, $0.value) }
        registry.makeGauge(descriptor: MetricFamily.buildInfo.descriptor, labels: labels).set(to: 1)
    }

    /// Replaces the gauges with those of `state` and advances the counters to the cumulative
    /// `totals` and line counts. `firingAlerts` are the alerts firing now.
    public func update(state: EngineState, totals: [BucketSummary], linesRead: Int, malformedLines: Int,
                       firingAlerts: [ActiveAlert]) {
        lock.lock()
        defer { lock.unlock() }
        var samples: [MetricSeries: Double] = [:]
        for bucket in state.buckets {
            for dimension in Dimension.allCases {
                let labels = [("bucket", bucket.classID), ("dimension", dimension.jsonKey)]
                if let limit = bucket.limits[dimension] {
                    samples[MetricSeries(.bucketLimit, labels)] = Double(limit)
                }
                if let remaining = bucket.remaining[dimension] {
                    samples[MetricSeries(.bucketRemaining, labels)] = remaining
                    samples[MetricSeries(.bucketSecondsToEmpty, labels)] = bucket.secondsToEmpty[dimension] ?? .infinity
                }
                samples[MetricSeries(.bucketConsumptionPerMinute, labels)] = bucket.ratePerMinute[dimension]
                samples[MetricSeries(.bucketUntrackedPerMinute, labels)] = bucket.untrackedPerMinute[dimension]
            }
            samples[MetricSeries(.bucketLimitSource, [("bucket", bucket.classID), ("source", bucket.limitsSource.rawValue)])] = 1
            if let tier = bucket.tier {
                samples[MetricSeries(.bucketTier, [("bucket", bucket.classID), ("tier", tier)])] = 1
            }
            if let ratio = bucket.cacheHitRate {
                samples[MetricSeries(.cacheHitRatio, [("bucket", bucket.classID)])] = ratio
            }
        }
        if state.at.isFinite {
            samples[MetricSeries(.stateTimestamp, [])] = state.at
        }
        for alert in firingAlerts where !knownAlerts.contains(alert) {
            knownAlerts.append(alert)
        }
        for alert in knownAlerts {
            let labels = [("rule", alert.rule), ("severity", alert.severity.rawValue),
                          ("bucket", alert.bucket ?? ""), ("dimension", alert.dimension?.jsonKey ?? ""),
                          ("source", alert.source ?? "")]
            samples[MetricSeries(.alertFiring, labels)] = firingAlerts.contains(alert) ? 1 : 0
        }
        replaceGauges(with: samples)

        for total in totals {
            let bucket = [("bucket", total.classID)]
            advance(MetricSeries(.requests, bucket), to: total.requests)
            advance(MetricSeries(.throttledRequests, bucket + [("status", "429")]), to: total.requests429)
            advance(MetricSeries(.throttledRequests, bucket + [("status", "529")]), to: total.requests529)
            for (kind, tokens) in [("input", total.inputTokens), ("cache_creation", total.cacheCreationTokens),
                                   ("cache_read", total.cacheReadTokens), ("output", total.outputTokens)] {
                advance(MetricSeries(.tokens, bucket + [("kind", kind)]), to: tokens)
            }
        }
        advance(MetricSeries(.linesRead, []), to: linesRead)
        advance(MetricSeries(.linesMalformed, []), to: malformedLines)
    }

    /// The metrics in the Prometheus text format, families sorted by name and samples by labels
    /// (so two scrapes of the same state are byte-identical), infinities written `+Inf`.
    public func exposition() -> String {
        lock.lock()
        let raw = registry.emitToString()
        lock.unlock()
        return Self.canonical(raw)
    }

    // MARK: Registry bookkeeping

    private func replaceGauges(with samples: [MetricSeries: Double]) {
        for (series, gauge) in gauges where samples[series] == nil {
            registry.unregisterGauge(gauge)
            gauges[series] = nil
        }
        for (series, value) in samples {
            let gauge = gauges[series] ?? registry.makeGauge(descriptor: series.family.descriptor, labels: series.labelPairs)
            gauges[series] = gauge
            gauge.set(to: value)
        }
    }

    /// Advances a counter to a cumulative total; a total lower than the last one (which the
    /// engine never reports) leaves the counter where it is, so it stays monotonic.
    private func advance(_ series: MetricSeries, to total: Int) {
        let entry = counters[series]
            ?? (registry.makeCounter(descriptor: series.family.descriptor, labels: series.labelPairs), 0)
        if total > entry.total {
            entry.counter.increment(by: Int64(total - entry.total))
            counters[series] = (entry.counter, total)
        } else {
            counters[series] = entry
        }
    }

    // MARK: Text

    /// Sorts swift-prometheus's output (whose order follows its dictionaries) into families by
    /// name and samples by labels, and spells infinities the way the text format does.
    static func canonical(_ raw: String) -> String {
        var headers: [Substring: [Substring]] = [:]
        var samples: [Substring: [String]] = [:]
        var family: Substring = ""
        for line in raw.split(separator: "\n") {
            if line.hasPrefix("# HELP ") || line.hasPrefix("# TYPE ") {
                family = line.dropFirst(7).prefix { $0 != " " }
                headers[family, default: []].append(line)
            } else {
                samples[family, default: []].append(Self.spellingInfinity(line))
            }
        }
        var text = ""
        for name in headers.keys.sorted() {
            for line in headers[name] ?? [] { text += line + "\n" }
            for line in (samples[name] ?? []).sorted() { text += line + "\n" }
        }
        return text
    }

    private static func spellingInfinity(_ line: Substring) -> String {
        if line.hasSuffix(" inf") { return line.dropLast(3) + "+Inf" }
        if line.hasSuffix(" -inf") { return line.dropLast(4) + "-Inf" }
        if line.hasSuffix(" nan") { return line.dropLast(3) + "NaN" }
        return String(line)
    }
}
