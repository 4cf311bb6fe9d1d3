import Yams

/// One thing wrong with a configuration file, located: `config.yaml:12: rules[1].fire: expected a
/// number, got "high"`.
public struct ConfigProblem: Sendable, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based; 0 for problems with the file itself (missing, unreadable).
    public var line: Int
    /// Where in the document (`rules[1].fire`); empty for problems of the whole document.
    public var keyPath: String
    public var message: String

    public init(file: String, line: Int, keyPath: String, message: String) {
        self.file = file
        self.line = line
        self.keyPath = keyPath
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return keyPath.isEmpty ? "\(place): \(message)" : "\(place): \(keyPath): \(message)"
    }
}

/// Why a configuration file was refused: every problem found, one line each.
public struct ConfigError: Error, Sendable, CustomStringConvertible {
    public var problems: [ConfigProblem]

    public init(_ problems: [ConfigProblem]) { self.problems = problems }

    /// One problem per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// ratetop's configuration file, parsed and checked (pure: the caller reads the file).
///
/// ```yaml
/// tier: tier1
/// limits: ./limits.yaml          # relative to the file's directory
/// format: auto
/// sources: [~/logs/app/*.jsonl]
/// interval: 1s
/// stale_after: 300s
/// alertmanager: http://127.0.0.1:9093   # string or list (webhook, exec too)
/// metrics_listen: 127.0.0.1:10429
/// rules:
///   - id: headroom_low             # a built-in id overrides it (severity picks one of several)
///     severity: warning
///     fire: 0.15
///   - id: my_output_low            # a new id needs a metric
///     metric: headroom
///     dimension: output_tokens
///     fire: 0.02
/// ```
public struct RatetopConfig: Sendable {
    /// The path shown in messages.
    public var path: String
    /// `--tier` when the command line gives none.
    public var tier: String?
    /// `--limits` as written (the caller resolves it against the file's directory).
    public var limits: String?
    /// `--format` (`auto` or a format name).
    public var format: String?
    /// What `watch` follows when no source is given, as written.
    public var sources: [String] = []
    /// Seconds between state objects and alert evaluations of the headless runner.
    public var interval: Double?
    /// `source_stale`'s default threshold, in seconds.
    public var staleAfter: Double?
    /// Sinks of the headless runner.
    public var alertmanager: [String] = []
    public var webhook: [String] = []
    public var exec: [String] = []
    public var metricsListen: String?
    /// The alert rules in force: the defaults with the file's overrides, removals and additions.
    public var rules: [AlertRule]
    /// How the file changed the defaults (for `config check`).
    public var rulesOverridden = 0
    public var rulesDisabled = 0
    public var rulesAdded = 0
    /// The line of `tier:` (for a tier the limits table does not know).
    public var tierLine = 0
    /// The line of each top-level key that is set, and of each item of the keys that take a
    /// list (`alertmanager`, `webhook`, `exec`, `sources`): for problems found by checks that
    /// run after parsing (a sink URL, the listen address).
    public var lines: [String: Int] = [:]
    public var itemLines: [String: [Int]] = [:]

    /// The line of `key`'s `index`th item, else of the key, else 1.
    public func line(of key: String, item index: Int? = nil) -> Int {
        if let index, let items = itemLines[key], index < items.count { return items[index] }
        return lines[key] ?? 1
    }

    /// The rules that are switched on.
    public var rulesInForce: [AlertRule] { rules.filter(\.enabled) }

    /// The top-level keys.
    public static let keys = ["tier", "limits", "format", "sources", "interval", "stale_after", "alertmanager", "webhook",
                              "exec", "metrics_listen", "rules"]
    /// The keys of a rule entry.
    public static let ruleKeys = ["id", "severity", "enabled", "metric", "dimension", "direction", "fire", "clear", "for",
                                  "clear_for", "labels", "summary"]

    /// The configuration with nothing set: the default rules.
    public init(path: String = "", rules: [AlertRule] = AlertRule.defaults) {
        self.path = path
        self.rules = rules
    }

    /// Parses and checks a configuration file's text; `path` is only for messages. Every problem
    /// found is reported, not just the first.
    public static func parse(_ text: String, path: String, defaults: [AlertRule] = AlertRule.defaults) throws(ConfigError) -> RatetopConfig {
        let (config, problems) = parseCollecting(text, path: path, defaults: defaults)
        guard problems.isEmpty else { throw ConfigError(problems) }
        return config
    }

    /// Parses and checks, returning what could be read with every problem found (in file
    /// order), so that later checks (the tier, the sinks) can add theirs to the same report.
    public static func parseCollecting(_ text: String, path: String,
                                       defaults: [AlertRule] = AlertRule.defaults) -> (RatetopConfig, [ConfigProblem]) {
        var parser = ConfigParser(file: path)
        let config = parser.parse(text, defaults: defaults)
        return (config, ordered(parser.problems))
    }

    /// Problems in file order (rules are checked after the other settings); a stable sort.
    public static func ordered(_ problems: [ConfigProblem]) -> [ConfigProblem] {
        problems.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element)
    }

    /// Seconds in a duration: `500ms`, `30s`, `5m`, `1h`, or a bare number of seconds; nil when
    /// the text is none of these (the sign is kept: callers say what they accept).
    public static func seconds(_ text: String) -> Double? {
        var number = Substring(text)
        var scale = 1.0
        for (suffix, factor) in [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)] where text.hasSuffix(suffix) {
            number = text.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number), value.isFinite else { return nil }
        return value * scale
    }

    /// Checks `tier` against the limits table in force (known only once `limits` is loaded).
    public func checkTier(in table: LimitsTable) throws(ConfigError) {
        if let problem = tierProblem(in: table) { throw ConfigError([problem]) }
    }

    /// The problem with `tier` in `table`, if any.
    public func tierProblem(in table: LimitsTable) -> ConfigProblem? {
        guard let tier, table.tier(named: tier) == nil else { return nil }
        return ConfigProblem(file: path, line: tierLine, keyPath: "tier",
                             message: "unknown tier \"\(tier)\" (known: \(table.tierIDs.joined(separator: ", ")))")
    }
}

/// Walks the YAML nodes, collecting located problems.
private struct ConfigParser {
    let file: String
    var problems: [ConfigProblem] = []

    init(file: String) { self.file = file }

    mutating func problem(_ node: Node?, _ keyPath: String, _ message: String) {
        problems.append(ConfigProblem(file: file, line: node?.mark?.line ?? 1, keyPath: keyPath, message: message))
    }

    mutating func parse(_ text: String, defaults: [AlertRule]) -> RatetopConfig {
        var config = RatetopConfig(path: file, rules: defaults)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            problems.append(Self.syntaxProblem(error, file: file))
            return config
        } catch {
            problems.append(ConfigProblem(file: file, line: 1, keyPath: "", message: "not valid YAML (\(error))"))
            return config
        }
        guard let root else { return config }  // an empty file: nothing changes
        guard let mapping = root.mapping else {
            problem(root, "", "expected a mapping of settings (tier:, rules:, ...), got \(Self.kind(root))")
            return config
        }
        var rulesNode: Node?
        for (keyNode, value) in mapping {
            guard let key = keyNode.scalar?.string else {
                problem(keyNode, "", "expected a setting name, got \(Self.kind(keyNode))")
                continue
            }
            config.lines[key] = keyNode.mark?.line ?? 1
            if let items = value.sequence { config.itemLines[key] = items.map { $0.mark?.line ?? keyNode.mark?.line ?? 1 } }
            switch key {
            case "tier":
                config.tier = string(value, key)
                config.tierLine = keyNode.mark?.line ?? 1
            case "limits": config.limits = string(value, key)
            case "format":
                guard let format = string(value, key) else { break }
                if format.lowercased() == "auto" || LogFormat(rawValue: format.lowercased()) != nil {
                    config.format = format.lowercased()
                } else {
                    problem(value, key, "unknown format \"\(format)\" (use auto, \(LogFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
            case "sources": config.sources = strings(value, key) ?? []
            case "interval":
                guard let seconds = duration(value, key) else { break }
                if seconds == 0 { problem(value, key, "must be longer than 0 s") } else { config.interval = seconds }
            case "stale_after": config.staleAfter = duration(value, key)
            case "alertmanager": config.alertmanager = strings(value, key) ?? []
            case "webhook": config.webhook = strings(value, key) ?? []
            case "exec": config.exec = strings(value, key) ?? []
            case "metrics_listen": config.metricsListen = string(value, key)
            case "rules": rulesNode = value
            default:
                problem(keyNode, key, "unknown setting (known: \(RatetopConfig.keys.joined(separator: ", ")))")
            }
        }
        if let staleAfter = config.staleAfter {
            config.rules = config.rules.map { rule in
                guard rule.metric == .secondsSinceLastLine else { return rule }
                var rule = rule
                rule.fire = staleAfter
                rule.clear = staleAfter
                return rule
            }
        }
        if let rulesNode { parseRules(rulesNode, into: &config, defaults: defaults) }
        return config
    }

    // MARK: Rules

    mutating func parseRules(_ node: Node, into config: inout RatetopConfig, defaults: [AlertRule]) {
        guard let entries = node.sequence else {
            problem(node, "rules", "expected a list of rules, got \(Self.kind(node))")
            return
        }
        let builtInIDs = Set(defaults.map(\.id))
        for (index, entry) in entries.enumerated() {
            let at = "rules[\(index)]"
            guard let mapping = entry.mapping else {
                problem(entry, at, "expected a rule (id:, fire:, ...), got \(Self.kind(entry))")
                continue
            }
            var fields: [String: (key: Node, value: Node)] = [:]
            for (keyNode, value) in mapping {
                guard let key = keyNode.scalar?.string, RatetopConfig.ruleKeys.contains(key) else {
                    problem(keyNode, "\(at).\(keyNode.scalar?.string ?? "?")",
                            "unknown rule key (known: \(RatetopConfig.ruleKeys.joined(separator: ", ")))")
                    continue
                }
                fields[key] = (keyNode, value)
            }
            guard let idField = fields["id"] else {
                problem(entry, at, "a rule needs an id (a built-in one to change it, or a new one with a metric)")
                continue
            }
            guard let id = string(idField.value, "\(at).id"), !id.isEmpty else { continue }
            let before = problems.count
            let severity = fields["severity"].flatMap { field -> AlertSeverity? in
                guard let text = string(field.value, "\(at).severity") else { return nil }
                guard let severity = AlertSeverity(rawValue: text.lowercased()) else {
                    problem(field.value, "\(at).severity", "unknown severity \"\(text)\" (use warning or critical)")
                    return nil
                }
                return severity
            }
            let metric = fields["metric"].flatMap { field -> AlertMetric? in
                guard let text = string(field.value, "\(at).metric") else { return nil }
                guard let metric = AlertMetric(rawValue: text.lowercased()) else {
                    problem(field.value, "\(at).metric",
                            "unknown metric \"\(text)\" (known: \(AlertMetric.allCases.map(\.rawValue).joined(separator: ", ")))")
                    return nil
                }
                return metric
            }
            let dimension = fields["dimension"].flatMap { field -> Dimension? in
                guard let text = string(field.value, "\(at).dimension") else { return nil }
                guard let dimension = Dimension.allCases.first(where: { $0.jsonKey == text.lowercased() }) else {
                    problem(field.value, "\(at).dimension", "unknown dimension \"\(text)\" (use requests, input_tokens or output_tokens)")
                    return nil
                }
                return dimension
            }
            let enabled = fields["enabled"].flatMap { bool($0.value, "\(at).enabled") } ?? true
            let direction = fields["direction"].flatMap { field -> AlertRule.Direction? in
                guard let text = string(field.value, "\(at).direction") else { return nil }
                guard let direction = AlertRule.Direction(rawValue: text.lowercased()) else {
                    problem(field.value, "\(at).direction", "unknown direction \"\(text)\" (use below or above)")
                    return nil
                }
                return direction
            }
            let fire = fields["fire"].flatMap { number($0.value, "\(at).fire") }
            let clear = fields["clear"].flatMap { number($0.value, "\(at).clear") }
            let hold = fields["for"].flatMap { duration($0.value, "\(at).for") }
            let clearHold = fields["clear_for"].flatMap { duration($0.value, "\(at).clear_for") }
            let labels = fields["labels"].flatMap { labelMap($0.value, "\(at).labels") }
            let summary = fields["summary"].flatMap { string($0.value, "\(at).summary") }
            guard problems.count == before else { continue }

            // The rules this entry is about.
            var targets: [Int]
            if builtInIDs.contains(id) {
                let builtIn = defaults.first { $0.id == id }!
                if let metric, metric != builtIn.metric {
                    problem(fields["metric"]?.value, "\(at).metric",
                            "\(id) is the built-in rule on \(builtIn.metric.rawValue); give the rule on \(metric.rawValue) a new id")
                    continue
                }
                if dimension != nil, !builtIn.metric.perDimension {
                    problem(fields["dimension"]?.value, "\(at).dimension",
                            "\(id) watches \(builtIn.metric.rawValue), which has no dimensions")
                    continue
                }
                targets = config.rules.indices.filter { config.rules[$0].id == id && (severity == nil || config.rules[$0].severity == severity) }
                if let dimension {
                    // A rule for one dimension: the others keep the rule it was cut from.
                    targets = targets.filter { config.rules[$0].dimension == dimension || config.rules[$0].dimension == nil }
                    let exact = targets.filter { config.rules[$0].dimension == dimension }
                    if !exact.isEmpty {
                        targets = exact
                    } else {
                        var added: [Int] = []
                        for target in targets {
                            var copy = config.rules[target]
                            copy.dimension = dimension
                            config.rules.append(copy)
                            added.append(config.rules.count - 1)
                        }
                        targets = added
                    }
                }
                if targets.isEmpty, let severity {
                    // A new severity of a built-in rule: the built-in one, at that severity.
                    var copy = defaults.first { $0.id == id }!
                    copy.severity = severity
                    copy.dimension = dimension
                    config.rules.append(copy)
                    targets = [config.rules.count - 1]
                    config.rulesAdded += 1
                } else {
                    config.rulesOverridden += enabled ? targets.count : 0
                }
            } else {
                if let existing = config.rules.indices.first(where: { config.rules[$0].id == id && (severity ?? .warning) == config.rules[$0].severity && config.rules[$0].dimension == dimension }) {
                    targets = [existing]  // a later entry for a rule the file added
                } else {
                    guard let metric else {
                        problem(idField.key, "\(at).id", "\"\(id)\" is not a built-in rule, so it needs a metric (known: \(AlertMetric.allCases.map(\.rawValue).joined(separator: ", ")))")
                        continue
                    }
                    guard let fire else {
                        problem(entry, "\(at).fire", "a new rule needs a fire level")
                        continue
                    }
                    if dimension != nil, !metric.perDimension {
                        problem(fields["dimension"]?.value, "\(at).dimension", "\(metric.rawValue) has no dimensions")
                        continue
                    }
                    config.rules.append(AlertRule(
                        id: id, severity: severity ?? .warning, metric: metric, dimension: dimension,
                        direction: direction ?? metric.defaultDirection, fire: fire, clear: clear ?? fire, holdSeconds: 0,
                        summary: "{rule}: \(metric.rawValue) {value} on {bucket}{source} (threshold {threshold})"))
                    targets = [config.rules.count - 1]
                    config.rulesAdded += 1
                }
            }
            if !enabled {
                // Kept, switched off: a disabled rule for one dimension still takes that
                // dimension from the rule it was cut from.
                config.rulesDisabled += targets.count
                for target in targets { config.rules[target].enabled = false }
                continue
            }
            for target in targets {
                var rule = config.rules[target]
                if let direction { rule.direction = direction }
                if let fire { rule.fire = fire }
                if let clear { rule.clear = clear }
                if let hold { rule.holdSeconds = hold }
                if let clearHold { rule.clearHoldSeconds = clearHold }
                if let labels { rule.labels = labels }
                if let summary { rule.summary = summary }
                if !rule.clearIsStrictEnough {
                    let field = fields["clear"] ?? fields["fire"]
                    let way = rule.direction == .below ? "at least" : "at most"
                    problem(field?.value ?? entry, "\(at).clear",
                            "clear \(Self.number(rule.clear))\(clear == nil ? " (the default)" : "") is looser than fire \(Self.number(rule.fire)); "
                                + "\(rule.id) fires \(rule.direction.rawValue) its fire level, so clear must be \(way) \(Self.number(rule.fire))")
                    break
                }
                config.rules[target] = rule
            }
        }
    }

    // MARK: Values

    static func kind(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    static func number(_ value: Double) -> String { JSONObjectWriter.format(value, decimals: 6) }

    mutating func string(_ node: Node, _ keyPath: String) -> String? {
        guard let scalar = node.scalar else {
            problem(node, keyPath, "expected a string, got \(Self.kind(node))")
            return nil
        }
        return scalar.string
    }

    /// A string or a list of strings.
    mutating func strings(_ node: Node, _ keyPath: String) -> [String]? {
        if let scalar = node.scalar { return [scalar.string] }
        guard let sequence = node.sequence else {
            problem(node, keyPath, "expected a string or a list of strings, got \(Self.kind(node))")
            return nil
        }
        var out: [String] = []
        for (index, item) in sequence.enumerated() {
            guard let text = string(item, "\(keyPath)[\(index)]") else { continue }
            out.append(text)
        }
        return out
    }

    mutating func number(_ node: Node, _ keyPath: String) -> Double? {
        guard let text = node.scalar?.string, let value = Double(text), value.isFinite else {
            problem(node, keyPath, "expected a number, got \(Self.kind(node))")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node, _ keyPath: String) -> Bool? {
        switch node.scalar?.string.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default:
            problem(node, keyPath, "expected true or false, got \(Self.kind(node))")
            return nil
        }
    }

    /// `30s`, `500ms`, `5m`, `1h`, or a bare number of seconds; never negative.
    mutating func duration(_ node: Node, _ keyPath: String) -> Double? {
        guard let text = node.scalar?.string.trimmingSpaces else {
            problem(node, keyPath, "expected a duration such as 30s, 5m or 1h, got \(Self.kind(node))")
            return nil
        }
        guard let value = RatetopConfig.seconds(text) else {
            problem(node, keyPath, "expected a duration such as 30s, 5m or 1h, got \(Self.kind(node))")
            return nil
        }
        guard value >= 0 else {
            problem(node, keyPath, "a duration cannot be negative, got \(Self.kind(node))")
            return nil
        }
        return value
    }

    mutating func labelMap(_ node: Node, _ keyPath: String) -> [String: String]? {
        guard let mapping = node.mapping else {
            problem(node, keyPath, "expected a mapping of label names to values, got \(Self.kind(node))")
            return nil
        }
        var out: [String: String] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string else {
                problem(key, keyPath, "expected a label name, got \(Self.kind(key))")
                continue
            }
            guard let text = value.scalar?.string else {
                problem(value, "\(keyPath).\(name)", "expected a string, got \(Self.kind(value))")
                continue
            }
            out[name] = text
        }
        return out
    }

    static func syntaxProblem(_ error: YamlError, file: String) -> ConfigProblem {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _):
            let detail = context.map { "\(problem) \($0.text)" } ?? problem
            return ConfigProblem(file: file, line: mark.line, keyPath: "", message: "not valid YAML: \(detail)")
        default:
            let first = "\(error)".split(separator: "\n").first.map(String.init) ?? "\(error)"
            return ConfigProblem(file: file, line: 1, keyPath: "", message: "not valid YAML: \(first)")
        }
    }
}

extension String {
    fileprivate var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
