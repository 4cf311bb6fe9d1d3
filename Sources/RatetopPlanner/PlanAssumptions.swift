import RatetopCore

/// How the replayed client retries a throttled attempt.
public enum PlanRetryPolicy: Sendable, Equatable, CustomStringConvertible {
    /// A 429 is final.
    case none
    /// The official SDKs (anthropic-sdk-python `_constants.py`: `DEFAULT_MAX_RETRIES = 2`,
    /// `INITIAL_RETRY_DELAY = 0.5`, `MAX_RETRY_DELAY = 8.0`; `_base_client.py`
    /// `_calculate_retry_timeout`): `retry-after` when the server gives 1 to 60 s, otherwise
    /// `min(0.5 × 2^n, 8) × (1 − 0.25 × random)` for the n-th retry; `maxRetries` retries.
    case sdk(maxRetries: Int)

    public static let sdkDefault = PlanRetryPolicy.sdk(maxRetries: 2)

    /// `sdk`, `none`, or `sdk:N` (N retries, 0 to 20).
    public init?(parsing text: String) {
        let lowered = text.lowercased()
        if lowered == "none" {
            self = .none
        } else if lowered == "sdk" {
            self = .sdkDefault
        } else if lowered.hasPrefix("sdk:"), let count = Int(lowered.dropFirst(4)), (0...20).contains(count) {
            self = .sdk(maxRetries: count)
        } else {
            return nil
        }
    }

    public var maxRetries: Int {
        switch self {
        case .none: 0
        case .sdk(let count): count
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .sdk(let count): count == 2 ? "sdk" : "sdk:\(count)"
        }
    }
}

/// Which traffic a `--batch` or `--shift` applies to.
public enum PlanSelector: Sendable, Equatable, CustomStringConvertible {
    /// A model class id (`sonnet-4.x`), a model id or glob (`claude-haiku-4-5*`), or a source
    /// (a log path as given, or its file name).
    case name(String)
    /// `FIELD=VALUE`: the value of the `--group-by` field.
    case field(String, String)

    public init?(parsing text: String) {
        guard !text.isEmpty else { return nil }
        if let equals = text.firstIndex(of: "=") {
            let field = String(text[..<equals]), value = String(text[text.index(after: equals)...])
            guard !field.isEmpty, !value.isEmpty else { return nil }
            self = .field(field, value)
        } else {
            self = .name(text)
        }
    }

    public var description: String {
        switch self {
        case .name(let name): name
        case .field(let field, let value): "\(field)=\(value)"
        }
    }

    public var groupField: String? {
        if case .field(let field, _) = self { return field }
        return nil
    }

    /// A predicate over the demand's calls, or nil when the selector names nothing in it.
    public func matcher(in demand: Demand) -> ((DemandCall) -> Bool)? {
        switch self {
        case .field(let field, let value):
            guard field == demand.groupField, let group = demand.groupNames.firstIndex(of: value) else { return nil }
            let wanted = Int32(group)
            return { $0.group == wanted }
        case .name(let name):
            let lowered = name.lowercased()
            if let classIndex = demand.classes.firstIndex(where: { $0.id == lowered }) {
                let wanted = Int32(classIndex)
                return { $0.classIndex == wanted }
            }
            let pattern = LimitsTable.normalized(name)
            var models = Set<Int32>()
            for (index, model) in demand.modelNames.enumerated()
            where Glob.matches(pattern: pattern, LimitsTable.normalized(model)) {
                models.insert(Int32(index))
            }
            if !models.isEmpty, demand.calls.contains(where: { models.contains($0.model) }) {
                return { models.contains($0.model) }
            }
            var sources = Set<Int32>()
            for (index, source) in demand.sourceNames.enumerated()
            where source == name || source.split(separator: "/").last.map(String.init) == name {
                sources.insert(Int32(index))
            }
            guard !sources.isEmpty else { return nil }
            return { sources.contains($0.source) }
        }
    }
}

/// `--shift SELECTOR=+Nh`: matching calls sent `seconds` later (earlier when negative).
public struct PlanShift: Sendable, Equatable, CustomStringConvertible {
    public var selector: PlanSelector
    public var seconds: Double

    public init(selector: PlanSelector, seconds: Double) {
        self.selector = selector
        self.seconds = seconds
    }

    /// `SELECTOR=+Nh`, `SELECTOR=-Nh`, or minutes `+Nm` (N may have a fraction). The offset is
    /// after the last `=`, so the selector may itself be `FIELD=VALUE`.
    public init?(parsing text: String) {
        guard let equals = text.lastIndex(of: "=") else { return nil }
        let selectorText = String(text[..<equals])
        var offset = Substring(text[text.index(after: equals)...])
        guard let sign = offset.first, sign == "+" || sign == "-" else { return nil }
        offset = offset.dropFirst()
        guard let unit = offset.last, unit == "h" || unit == "m", let amount = Double(offset.dropLast()),
              amount.isFinite, amount >= 0, amount <= 24 * 366,
              let selector = PlanSelector(parsing: selectorText) else { return nil }
        self.selector = selector
        seconds = (sign == "-" ? -1 : 1) * amount * (unit == "h" ? 3600 : 60)
    }

    public var description: String {
        let hours = seconds / 3600
        let magnitude = abs(hours)
        let text = magnitude == magnitude.rounded() ? String(Int(magnitude)) + "h" : PlanFormat.fixed(abs(seconds) / 60, 0) + "m"
        return "\(selector)=\(seconds < 0 ? "-" : "+")\(text)"
    }
}

/// What a scenario assumes besides its limits.
public struct PlanAssumptions: Sendable, Equatable {
    /// Cache reads at this share of each call's input (Anthropic's hit rate:
    /// reads / (reads + writes + uncached)); nil: as logged.
    public var cacheHit: Double?
    /// Traffic moved to the Message Batches API.
    public var batch: [PlanSelector]
    public var shifts: [PlanShift]

    public init(cacheHit: Double? = nil, batch: [PlanSelector] = [], shifts: [PlanShift] = []) {
        self.cacheHit = cacheHit
        self.batch = batch
        self.shifts = shifts
    }

    public var isEmpty: Bool { cacheHit == nil && batch.isEmpty && shifts.isEmpty }

    /// A short label: `cache 80% · batch nightly · shift x=+2h`.
    public var label: String {
        var parts: [String] = []
        if let cacheHit { parts.append("cache \(PlanFormat.fixed(cacheHit * 100, 0))%") }
        for selector in batch { parts.append("batch \(selector)") }
        for shift in shifts { parts.append("shift \(shift)") }
        return parts.joined(separator: " · ")
    }
}

/// The usage a call would have shown at a cache hit rate of `rate`: reads are that share of
/// its whole input (uncached + writes + reads), the rest split between uncached input and
/// cache writes as logged (all uncached when the call logged neither).
public func usage(_ usage: Usage, atCacheHitRate rate: Double) -> Usage {
    // Uncached + writes + reads (saturating).
    let total = usage.countedInputTokens(cacheReadsCount: true)
    let reads = Int((Double(total) * rate).rounded())
    let rest = total - reads
    var out = usage
    out.cacheReadInputTokens = reads
    let uncachedAndWrites = usage.inputTokens + usage.cacheCreationInputTokens
    if uncachedAndWrites > 0 {
        out.cacheCreationInputTokens = Int((Double(rest) * Double(usage.cacheCreationInputTokens) / Double(uncachedAndWrites)).rounded())
        out.inputTokens = rest - out.cacheCreationInputTokens
        out.cacheCreation1hInputTokens = min(usage.cacheCreation1hInputTokens, out.cacheCreationInputTokens)
    } else {
        out.inputTokens = rest
        out.cacheCreationInputTokens = 0
        out.cacheCreation1hInputTokens = 0
    }
    return out
}
