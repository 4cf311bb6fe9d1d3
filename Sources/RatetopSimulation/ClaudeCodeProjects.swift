/// The many-files shape: a `~/.claude/projects` directory. One JSONL transcript per Claude Code
/// session, `<project-slug>/<session-uuid>.jsonl`, over a span of weeks:
///
/// - `files` sessions with `lines` lines in all, shared out very unevenly (log-normal: a few
///   sessions of tens of thousands of lines, many of a few dozen);
/// - sessions run in working hours (weekdays 08:00–19:00 UTC; a long session carries on the
///   next working day), start anywhere in the span (some close to one another, so several
///   sessions are open at once) and almost all of them finished long before its end;
/// - a few projects, a few of them much busier than the rest.
///
/// The plan is drawn from the seed up front; each session is then rendered on its own from a
/// seed of its own by `render(session:)` (see `ClaudeCodeSessionWriter` for the lines), so
/// files can be written in any order, or in parallel, with the same bytes.
public struct ClaudeCodeProjects: Sendable {
    public struct Project: Sendable, Equatable {
        /// The working directory, `/home/sam/src/acme-api`.
        public var cwd: String
        /// Its directory name under `projects`: the path with `/` (and `.`) as `-`.
        public var slug: String
    }

    public struct Session: Sendable, Equatable {
        public var project: Int
        /// The session UUID: the file's name and every line's `sessionId`.
        public var id: String
        public var lines: Int
        /// Where the session starts, as a fraction of the span's working time left after it.
        public var placement: Double
        public var seed: UInt64
        /// Claude Code version (later sessions, later versions).
        public var version: String
    }

    public let start: Double
    public let end: Double
    public let calendar: WorkCalendar
    public let projects: [Project]
    public let sessions: [Session]

    /// The fewest lines a session has.
    public static let minimumLines = 2

    /// `openAtEnd` sessions run up to `end` (still open when it comes: what a `watch` started
    /// then finds being written); the others are placed at random over the span.
    public init(files: Int, lines: Int, span: Double, end: Double, projects projectCount: Int = 12, seed: UInt64,
                openAtEnd: Int = 0) {
        precondition(files > 0 && lines >= files * Self.minimumLines, "need at least \(Self.minimumLines) lines a file")
        precondition(span > 0 && projectCount > 0, "span and projects must be positive")
        self.end = end
        start = end - span
        let working = WorkCalendar(from: start, until: end)
        calendar = working.windowStarts.isEmpty ? WorkCalendar(continuousFrom: start, until: end) : working
        var rng = SplitMix64(seed: seed ^ 0xC1A0_DE00_0000_0001)

        var projects: [Project] = []
        for index in 0..<projectCount {
            var name = Self.projectNames[index % Self.projectNames.count]
            if index >= Self.projectNames.count { name += "-\(index / Self.projectNames.count + 1)" }
            let cwd = "/home/sam/src/" + name
            projects.append(Project(cwd: cwd, slug: String(cwd.map { $0 == "/" || $0 == "." ? "-" : $0 })))
        }
        self.projects = projects
        // Zipf-like: the first projects get most sessions.
        let projectWeights = (0..<projectCount).map { 1 / Double($0 + 1) }

        var weights: [Double] = []
        var sessions: [Session] = []
        for index in 0..<files {
            weights.append(rng.logNormal(median: 1, sigma: 1.6))
            let placement: Double
            if index > 0, rng.chance(0.3) {
                // Opened near another session: two or three at once.
                let other = sessions[rng.below(index)].placement
                placement = min(0.999_999, max(0, other + 0.003 * rng.normal()))
            } else {
                placement = rng.unit()
            }
            var pick = rng.unit() * projectWeights.reduce(0, +)
            var project = 0
            for (candidate, weight) in projectWeights.enumerated() {
                project = candidate
                pick -= weight
                if pick < 0 { break }
            }
            let id = String(decoding: TranscriptText.uuid(&rng), as: UTF8.self)
            let version = Self.versions[min(Self.versions.count - 1, Int(placement * Double(Self.versions.count)))]
            sessions.append(Session(project: project, id: id, lines: 0, placement: placement, seed: rng.next(), version: version))
        }
        let shares = SparseTraffic.apportion(lines - files * Self.minimumLines, weights: weights)
        for index in sessions.indices { sessions[index].lines = Self.minimumLines + shares[index] }
        for index in sessions.indices.suffix(max(0, min(openAtEnd, files))) { sessions[index].placement = 1 }
        self.sessions = sessions
    }

    /// `<project-slug>/<session-uuid>.jsonl`.
    public func relativePath(session index: Int) -> String {
        projects[sessions[index].project].slug + "/" + sessions[index].id + ".jsonl"
    }

    /// The whole file of one session.
    public func render(session index: Int) -> [UInt8] {
        let session = sessions[index]
        var writer = ClaudeCodeSessionWriter(session: session, project: projects[session.project])
        writer.writeSession()
        return writer.finish(calendar: calendar)
    }

    static let projectNames = [
        "acme-api", "web-dashboard", "billing-service", "data-pipeline", "infra-terraform", "mobile-app",
        "auth-gateway", "search-indexer", "docs-site", "ml-experiments", "cli-tools", "design-system",
        "notifications", "analytics-etl", "support-bot", "payments-sdk",
    ]

    static let versions = [
        "2.1.1", "2.1.2", "2.1.3", "2.1.5", "2.1.7", "2.1.9", "2.1.11", "2.1.12", "2.1.14", "2.1.15",
        "2.1.17", "2.1.19", "2.1.20", "2.1.22", "2.1.23", "2.1.25", "2.1.27", "2.1.29", "2.1.30", "2.1.31",
    ]
}
