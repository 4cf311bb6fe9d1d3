/// Collects problems with the input: counts every malformed line and keeps the first few as
/// `file:line: reason` messages, passing each kept one to `report` as it happens; counts late
/// lines apart, with one message per file.
public final class Diagnostics {
    public private(set) var malformedLines = 0
    /// The messages kept (malformed lines up to `limit`, and the first late line of each file).
    public private(set) var messages: [String] = []
    /// How many of `messages` are about malformed lines.
    private var malformedShown = 0
    /// The most recent problem, shown or not (for a status line).
    public private(set) var lastMessage: String?
    public let limit: Int
    private let report: (String) -> Void

    public init(limit: Int = 10, report: @escaping (String) -> Void = { _ in }) {
        self.limit = limit
        self.report = report
    }

    /// Counts a malformed line of `path`.
    public func malformed(path: String, line: Int, reason: String) {
        malformedLines += 1
        let message = "\(path):\(line): \(reason)"
        lastMessage = message
        waiting = false
        guard malformedShown < limit else { return }
        malformedShown += 1
        messages.append(message)
        report(message)
    }

    /// Lines stamped too long before lines already applied (the engine's tolerance): they count
    /// in the totals, not in the buckets. Not malformed: reported apart, one message per file.
    public private(set) var lateLines = 0
    private var lateReported: Set<String> = []

    /// Counts a late line of `path`, stamped `behind` seconds before what was applied; the first
    /// one of each file is reported.
    public func late(path: String, line: Int, behind: Double, tolerance: Double) {
        lateLines += 1
        guard lateReported.insert(path).inserted else { return }
        let message = "\(path):\(line): stamped \(Int(behind.rounded())) s before lines already applied (tolerance \(Int(tolerance)) s): "
            + "counted in the totals, not in the buckets (late lines of this file are counted in late_lines, not reported again)"
        lastMessage = message
        waiting = false
        if lateReported.count <= limit { messages.append(message) }
        report(message)
    }

    /// A word about the input that is not about one line (say, too many unknown models).
    public func notice(_ message: String) {
        lastMessage = message
        waiting = false
        if messages.count < limit * 2 { messages.append(message) }
        report(message)
    }

    /// A notice that holds only while no data comes (every followed file is old): shown as the
    /// last message until `dataArrived()`, then withdrawn from the status line.
    public func noticeUntilData(_ message: String) {
        notice(message)
        waiting = true
    }

    /// Lines arrived: a notice about waiting for them is no longer true.
    public func dataArrived() {
        guard waiting else { return }
        waiting = false
        lastMessage = nil
    }

    /// True while the last message is a `noticeUntilData`.
    private var waiting = false

    /// A closing line when more problems were counted than shown, else nil.
    public var overflowMessage: String? {
        malformedLines > malformedShown
            ? "ratetop: \(malformedLines) malformed lines skipped in all (\(malformedLines - malformedShown) not shown)"
            : nil
    }
}
