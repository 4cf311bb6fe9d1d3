/// Collects problems with the input: counts every malformed line and keeps the first few as
/// `file:line: reason` messages, passing each kept one to `report` as it happens.
public final class Diagnostics {
    public private(set) var malformedLines = 0
    public private(set) var messages: [String] = []
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
        guard messages.count < limit else { return }
        messages.append(message)
        report(message)
    }

    /// Counts a line the engine skipped because it is stamped `behind` seconds before lines
    /// already applied, more than the engine's `tolerance` (every runner reports it the same way).
    public func outOfOrder(path: String, line: Int, behind: Double, tolerance: Double) {
        malformed(path: path, line: line,
                  reason: "out of order: stamped \(Int(behind.rounded())) s before lines already read (tolerance \(Int(tolerance)) s), skipped")
    }

    /// A closing line when more problems were counted than shown, else nil.
    public var overflowMessage: String? {
        malformedLines > messages.count
            ? "ratetop: \(malformedLines) malformed lines skipped in all (\(malformedLines - messages.count) not shown)"
            : nil
    }
}
