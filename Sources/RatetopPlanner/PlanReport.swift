import RatetopCore

/// Number formatting without Foundation.
public enum PlanFormat {
    /// `value` with `decimals` places, rounded half away from zero.
    public static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return value > 0 ? "inf" : "-inf" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        let whole = Int(scaled / scale)
        var text = (value < 0 && scaled > 0 ? "-" : "") + String(whole)
        if decimals > 0 {
            let fraction = Int(scaled - Double(whole) * scale)
            var digits = String(fraction)
            while digits.count < decimals { digits = "0" + digits }
            text += "." + digits
        }
        return text
    }

    /// 1234567 → `1,234,567`.
    public static func grouped(_ value: Int) -> String {
        let digits = String(abs(value))
        var out = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(character)
        }
        return (value < 0 ? "-" : "") + out
    }

    /// A share as a percentage: `12.3%`, `0.0%`, `340%` (no decimal from 100 on).
    public static func percent(_ share: Double) -> String {
        guard share.isFinite else { return "∞" }
        let points = share * 100
        return points >= 99.95 ? fixed(points, 0) + "%" : fixed(points, 1) + "%"
    }

    /// The peak minute against its limit: `ITPM 252%`, or `ITPM 676×` from ten times over.
    public static func peak(_ peak: PlanPeak?) -> String {
        guard let peak, let share = peak.share else { return "-" }
        let amount = share >= 10 ? (share.isFinite ? grouped(Int(share.rounded())) + "×" : "∞") : percent(share)
        return peak.dimension.limitName + " " + amount
    }

    /// Seconds: `0s`, `3.2s`, `45s`, `4.5m`.
    public static func seconds(_ value: Double) -> String {
        if value <= 0 { return "0s" }
        if value < 10 { return fixed(value, 1) + "s" }
        if value < 120 { return fixed(value, 0) + "s" }
        return fixed(value / 60, 1) + "m"
    }

    /// USD: `$0.42`, `$41.20`, `$500`, `$1,234`.
    public static func dollars(_ value: Double) -> String {
        if value >= 1000 || (value >= 1 && value == value.rounded()) { return "$" + grouped(Int(value.rounded())) }
        return "$" + fixed(value, 2)
    }

    /// `2026-04-14 15:02`.
    public static func minute(_ epoch: Double) -> String {
        let text = RFC3339.format(epoch)
        return String(text.prefix(16)).replacingOccurrences(of: "T", with: " ")
    }

    /// A JSON string literal.
    public static func quote(_ string: String) -> String { JSONLines.quote(string) }

    static func pad(_ text: String, _ width: Int, right: Bool = true) -> String {
        let count = text.count
        guard count < width else { return text }
        let padding = String(repeating: " ", count: width - count)
        return right ? padding + text : text + padding
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}

/// The plan as text (a table that fits 80 columns) or as one JSON object.
public struct PlanReport: Sendable {
    public var demand: Demand
    public var setup: PlanSetup
    public var results: [PlanResult]
    public var paths: [String]

    public init(demand: Demand, setup: PlanSetup, results: [PlanResult], paths: [String]) {
        self.demand = demand
        self.setup = setup
        self.results = results
        self.paths = paths
    }

    var baseline: PlanResult? { results.first { $0.scenario.isBaseline } }

    /// The baseline check (replayed against observed share, minutes with 429s) and the
    /// scenarios that would have reached their spend cap.
    public var checkLines: [String] {
        let observed = demand.observed
        var out: [String] = []
        if let baseline {
            let ok = Planner.reproduces(replayed: baseline.throttledShare, observed: observed.throttledShare)
            let tolerance = max(Planner.toleranceAbsolute, Planner.toleranceRelative * observed.throttledShare)
            let verdict = ok ? "within" : "OFF by more than"
            out.append("baseline: \(PlanFormat.percent(baseline.throttledShare)) of attempts throttled in the replay, "
                + "\(PlanFormat.percent(observed.throttledShare)) in the log")
            out.append("          (\(verdict) ±\(PlanFormat.fixed(tolerance * 100, 1)) points); minutes with 429s: "
                + "\(PlanFormat.grouped(baseline.throttledMinutes)) vs \(PlanFormat.grouped(observed.throttledMinutes))")
        }
        for result in results {
            if let at = result.spendCapReachedAt, let cap = result.scenario.spendCapUSD {
                out.append("! \(result.scenario.name): monthly spend cap \(PlanFormat.dollars(cap)) reached \(PlanFormat.minute(at)) UTC")
            }
            if !result.unpricedModels.isEmpty {
                out.append("≥ \(result.scenario.name): no price for \(result.unpricedModels.prefix(3).joined(separator: ", "))")
            }
        }
        return out
    }

    /// The table, at most `width` columns (names are cut to fit).
    public func table(width: Int = 80) -> String {
        var lines: [String] = []
        let observed = demand.observed
        var source = paths.count == 1 ? paths[0] : "\(paths.count) logs"
        if source.count > width - 15 { source = "…" + source.suffix(width - 16) }
        lines.append("ratetop plan · \(source)")
        lines.append("\(PlanFormat.minute(observed.from))–\(PlanFormat.minute(observed.to).suffix(5)) UTC · "
            + "\(PlanFormat.grouped(observed.attempts)) attempt\(observed.attempts == 1 ? "" : "s") → "
            + "\(PlanFormat.grouped(demand.calls.count)) call\(demand.calls.count == 1 ? "" : "s")")
        let retry = results.first(where: { !$0.scenario.isBaseline })?.scenario.retry ?? .sdkDefault
        let retryText = retry == .none ? "none" : "\(retry): \(retry.maxRetries) retries, 0.5–8 s, retry-after"
        lines.append("scheme \(setup.scheme?.name ?? "none") · retry \(retryText)")
        lines.append("")
        // name | 429s | log | min | p50 | p95 | failed | peak | cost
        let columns = [7, 7, 5, 7, 7, 7, 10, 10]
        let fixedWidth = columns.reduce(0, +) + columns.count
        let nameWidth = max(10, min(24, width - fixedWidth))
        func row(_ name: String, _ cells: [String]) -> String {
            var name = name
            if name.count > nameWidth { name = String(name.prefix(nameWidth - 1)) + "…" }
            var line = PlanFormat.pad(name, nameWidth, right: false)
            for (cell, columnWidth) in zip(cells, columns) { line += " " + PlanFormat.pad(cell, columnWidth) }
            return line
        }
        lines.append(row("scenario", ["429s", "log", "min", "wait50", "wait95", "failed", "peak", "cost"]))
        for result in results {
            let scenario = result.scenario
            let peak = PlanFormat.peak(result.binding)
            var cost = PlanFormat.dollars(result.costUSD)
            if !result.unpricedModels.isEmpty { cost = "≥" + cost }
            if result.spendCapReachedAt != nil { cost += "!" }
            lines.append(row(scenario.name, [
                PlanFormat.percent(result.throttledShare),
                scenario.isBaseline ? PlanFormat.percent(observed.throttledShare) : "",
                PlanFormat.grouped(result.throttledMinutes),
                PlanFormat.seconds(result.waitP50), PlanFormat.seconds(result.waitP95),
                PlanFormat.grouped(result.failed), peak, cost,
            ]))
        }
        lines.append("")
        lines.append("429s: share of attempts throttled; min: minutes with any; wait: added per call")
        lines.append("(p50/p95); failed: calls refused on every try; peak: busiest minute / limit")
        for result in results where result.scenario.name.count > nameWidth {
            lines.append("\(result.scenario.name.prefix(nameWidth - 1))…: \(result.scenario.name)")
        }
        lines.append(contentsOf: checkLines)
        if observed.retriesMatched > 0 || observed.failedCalls > 0 || observed.skippedEvents > 0 {
            var note = "log: \(PlanFormat.grouped(observed.retriesMatched)) retries matched; \(PlanFormat.grouped(observed.failedCalls)) calls failed on every try"
            if observed.skippedEvents > 0 { note += "; \(PlanFormat.grouped(observed.skippedEvents)) aggregate events skipped" }
            lines.append(note)
        }
        lines.append(contentsOf: setup.notes)
        return lines.map { line in line.count > width ? String(line.prefix(width)) : line }.joined(separator: "\n") + "\n"
    }

    /// One JSON object (one line).
    public func json() -> String {
        let observed = demand.observed
        func number(_ value: Double, _ decimals: Int = 4) -> String { JSONLines.number(value, decimals: decimals) }
        func time(_ value: Double?) -> String { value.map { PlanFormat.quote(RFC3339.format($0)) } ?? "null" }
        var out = "{\"type\":\"plan\",\"paths\":[" + paths.map(PlanFormat.quote).joined(separator: ",") + "]"
        out += ",\"log\":{\"attempts\":\(observed.attempts),\"calls\":\(demand.calls.count),\"retries_matched\":\(observed.retriesMatched)"
        out += ",\"throttled\":\(observed.throttled),\"overloaded\":\(observed.overloaded),\"spend_capped\":\(observed.spendCapped)"
        out += ",\"throttled_share\":\(number(observed.throttledShare)),\"throttled_minutes\":\(observed.throttledMinutes)"
        out += ",\"failed_calls\":\(observed.failedCalls),\"skipped_events\":\(observed.skippedEvents)"
        out += ",\"from\":\(time(observed.from)),\"to\":\(time(observed.to))}"
        out += ",\"scheme\":" + (setup.scheme.map { PlanFormat.quote($0.id) } ?? "null")
        out += ",\"baseline_tier\":" + (setup.baselineTier.map { PlanFormat.quote($0.id) } ?? "null")
        out += ",\"tolerance\":{\"absolute\":\(number(Planner.toleranceAbsolute)),\"relative\":\(number(Planner.toleranceRelative))}"
        if let baseline {
            out += ",\"baseline_reproduces_log\":\(Planner.reproduces(replayed: baseline.throttledShare, observed: observed.throttledShare))"
        }
        out += ",\"scenarios\":["
        out += results.map { result -> String in
            let scenario = result.scenario
            let assumptions = scenario.assumptions
            var s = "{\"name\":\(PlanFormat.quote(scenario.name)),\"tier\":" + (scenario.tierID.map(PlanFormat.quote) ?? "null")
            s += ",\"baseline\":\(scenario.isBaseline),\"retry\":\(PlanFormat.quote(scenario.retry.description))"
            s += ",\"assumptions\":{\"cache_hit\":" + (assumptions.cacheHit.map { number($0) } ?? "null")
            s += ",\"batch\":[" + assumptions.batch.map { PlanFormat.quote($0.description) }.joined(separator: ",") + "]"
            s += ",\"shift\":[" + assumptions.shifts.map { "{\"selector\":\(PlanFormat.quote($0.selector.description)),\"seconds\":\(number($0.seconds, 0))}" }.joined(separator: ",") + "]}"
            s += ",\"calls\":\(result.calls),\"batch_calls\":\(result.batchCalls),\"attempts\":\(result.attempts)"
            s += ",\"throttled\":\(result.throttled),\"throttled_share\":\(number(result.throttledShare))"
            if scenario.isBaseline { s += ",\"log_throttled_share\":\(number(observed.throttledShare))" }
            s += ",\"throttled_minutes\":\(result.throttledMinutes),\"failed\":\(result.failed)"
            s += ",\"wait_p50_s\":\(number(result.waitP50, 3)),\"wait_p95_s\":\(number(result.waitP95, 3)),\"wait_max_s\":\(number(result.waitMax, 3))"
            s += ",\"peak\":" + (result.binding.map(peakJSON) ?? "null")
            s += ",\"peaks\":[" + result.peaks.map(peakJSON).joined(separator: ",") + "]"
            s += ",\"cost_usd\":\(number(result.costUSD, 2)),\"unpriced_models\":[" + result.unpricedModels.map(PlanFormat.quote).joined(separator: ",") + "]"
            s += ",\"spend_cap_usd\":" + (scenario.spendCapUSD.map { number($0, 2) } ?? "null")
            s += ",\"spend_cap_reached_at\":\(time(result.spendCapReachedAt))}"
            return s
        }.joined(separator: ",")
        out += "],\"notes\":[" + setup.notes.map(PlanFormat.quote).joined(separator: ",") + "]}"
        return out + "\n"
    }

    private func peakJSON(_ peak: PlanPeak) -> String {
        let limit: String = peak.limit.map { String($0) } ?? "null"
        let share: String = peak.share.map { JSONLines.number($0, decimals: 4) } ?? "null"
        var s = "{\"class\":" + PlanFormat.quote(peak.classID)
        s += ",\"dimension\":" + PlanFormat.quote(peak.dimension.jsonKey)
        s += ",\"per_minute\":" + JSONLines.number(peak.perMinute, decimals: 0)
        s += ",\"limit\":" + limit + ",\"share\":" + share + "}"
        return s
    }
}
