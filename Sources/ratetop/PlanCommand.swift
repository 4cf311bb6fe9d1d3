import ArgumentParser
import Foundation
import Logging
import RatetopCore
import RatetopIO
import RatetopPlanner

/// `ratetop plan LOG...`: what the log's demand would have met on other tiers, cache rates,
/// batch moves and schedules.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Replay a log's demand under other tiers, cache rates, batch moves and schedules.",
        discussion: """
        Every attempt of the logs (retries matched to their call) is replayed through the \
        reference limiter, once per scenario. The first row is the log's own tier as it ran; it \
        must reproduce the 429 share the log shows. --tier takes a comma-separated list of \
        tiers, or all (every tier of the scheme in force). --output json writes one JSON object; \
        --output FILE writes the table (JSON when FILE ends in .json) to FILE.
        """)

    @Argument(help: ArgumentHelp("Log files, directories (every *.jsonl under them), globs, or - for stdin.", valueName: "LOG"))
    var files: [String] = []

    @Option(name: .customLong("cache-hit"), help: ArgumentHelp("Replay with cache reads at this share of input (0 to 1, or a percentage like 80%).", valueName: "R"))
    var cacheHit: String?

    @Option(name: .customLong("batch"), help: ArgumentHelp("Move matching traffic to the Message Batches API: a model, a model class, a log file, or FIELD=VALUE (repeatable).", valueName: "SELECTOR"))
    var batch: [String] = []

    @Option(name: .customLong("shift"), help: ArgumentHelp("Move matching traffic in time, e.g. nightly.jsonl=+8h or team=backfill=-2h (repeatable).", valueName: "SELECTOR=+Nh"))
    var shift: [String] = []

    @Option(name: .customLong("retry"), help: ArgumentHelp("How throttled calls retry: sdk (the SDKs' default: 2 retries, 0.5-8 s backoff, retry-after honoured), sdk:N, or none.", valueName: "POLICY"))
    var retry: String = "sdk"

    @Option(name: .customLong("log-tier"), help: ArgumentHelp("The tier the log ran on, when its headers do not say.", valueName: "NAME"))
    var logTier: String?

    @OptionGroup var common: CommonOptions

    @OptionGroup var output: OutputOptions

    func run() throws {
        guard !files.isEmpty else { throw UsageFailure("plan: name at least one log file (or - for stdin)") }
        try ReplayCommand.rejectLiveSources(files)
        let retryPolicy = try parsedRetry()
        let assumptions = PlanAssumptions(cacheHit: try parsedCacheHit(), batch: try parsedBatch(), shifts: try parsedShifts())
        let groupFields = Set((assumptions.batch + assumptions.shifts.map(\.selector)).compactMap(\.groupField))
        guard groupFields.count <= 1 else {
            throw UsageFailure("plan: selectors name \(groupFields.sorted().joined(separator: " and ")); one FIELD=VALUE field per run")
        }
        // `--tier` is a list here (or all); the common option checks a single name, so it is
        // taken out before the rest is resolved.
        let tierList = common.limits.tier
        var others = common
        others.limits.tier = nil
        let json: Bool
        var destination = output
        switch output.output?.lowercased() {
        case nil, "table":
            json = false
            destination.output = nil
        case "json":
            json = true
            destination.output = nil
        default:
            json = output.output?.lowercased().hasSuffix(".json") ?? false
        }
        // RATETOP_TIER or the config's tier: the tier the log ran on, when its headers do not say.
        let resolved = try others.resolve()
        let tiers = (tierList ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let request = PlanRequest(tiers: tiers, assumptions: assumptions, retry: retryPolicy,
                                  logTier: logTier ?? resolved.tier)
        if tiers.count > 1, tiers.contains(where: { $0.lowercased() == "all" }) {
            throw UsageFailure("--tier \(tierList ?? ""): all stands alone")
        }

        let logger = Logger(label: "ratetop")
        let diagnostics = Diagnostics { logger.warning("\($0)") }
        let models = ModelCatalog()
        let groups = ModelCatalog()
        let groupBy = groupFields.first
        let named = try SourcePaths.expandNamed(files)
        let sources = try SourceOpener.open(paths: named, format: resolved.format, models: models, diagnostics: diagnostics,
                                            groupBy: groupBy, groups: groupBy == nil ? nil : groups)
        var builder = DemandBuilder(table: resolved.table, models: models)
        for source in sources {
            while let event = source.next() { builder.add(event) }
        }
        let demand = builder.build(sourceNames: sources.map(\.displayName), groupNames: groups.names, groupField: groupBy)
        guard !demand.calls.isEmpty else { throw UsageFailure("plan: the logs hold no requests to replay") }

        let setup: PlanSetup
        let results: [PlanResult]
        do {
            setup = try request.setup(for: demand, table: resolved.table)
            results = try Planner.run(demand, scenarios: setup.scenarios, table: resolved.table)
        } catch let error as PlanSetupError {
            throw UsageFailure(error.description)
        } catch let error as PlanError {
            throw UsageFailure(error.description)
        }
        guard !results.isEmpty else {
            throw UsageFailure("plan: nothing to compare (the log's tier is unknown: name tiers with --tier or --log-tier)")
        }
        let report = PlanReport(demand: demand, setup: setup, results: results, paths: files)
        let sink = try destination.openOutput()
        let text = json ? report.json() : report.table()
        sink.writeLine(String(text.dropLast()))
        sink.flush()
        if let overflow = diagnostics.overflowMessage {
            FileHandle.standardError.write(Data("\(overflow)\n".utf8))
        }
        if let failure = sink.failure {
            FileHandle.standardError.write(Data("ratetop: cannot write the output: \(failure)\n".utf8))
            throw ExitCode(1)
        }
    }

    private func parsedRetry() throws -> PlanRetryPolicy {
        guard let policy = PlanRetryPolicy(parsing: retry) else {
            throw UsageFailure("--retry \(retry): expected sdk, sdk:N (0 to 20 retries) or none")
        }
        return policy
    }

    private func parsedCacheHit() throws -> Double? {
        guard let cacheHit else { return nil }
        var text = Substring(cacheHit)
        var scale = 1.0
        if text.hasSuffix("%") {
            text = text.dropLast()
            scale = 0.01
        }
        guard let value = Double(text).map({ $0 * scale }), value.isFinite, (0...1).contains(value) else {
            throw UsageFailure("--cache-hit \(cacheHit): expected a share from 0 to 1 (or 0% to 100%)")
        }
        return value
    }

    private func parsedBatch() throws -> [PlanSelector] {
        try batch.map { text in
            guard let selector = PlanSelector(parsing: text) else {
                throw UsageFailure("--batch \(text): expected a model, a model class, a log file or FIELD=VALUE")
            }
            return selector
        }
    }

    private func parsedShifts() throws -> [PlanShift] {
        try shift.map { text in
            guard let shift = PlanShift(parsing: text) else {
                throw UsageFailure("--shift \(text): expected SELECTOR=+Nh or SELECTOR=-Nh (or +Nm), e.g. nightly.jsonl=+8h")
            }
            return shift
        }
    }
}
