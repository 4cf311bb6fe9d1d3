/// A `watch` source that is a Prometheus endpoint: `http://HOST:PORT/metrics`,
/// `https://…`, or `prometheus+http(s)://…` when the scheme alone would be ambiguous.
public struct ScrapeTarget: Sendable, Equatable {
    /// The URL fetched (`prometheus+` removed).
    public let url: String
    /// `scheme://host:port/path`: what alerts and the status line show (user info and query,
    /// which can hold credentials, are left out).
    public let displayName: String
    /// `host:port`, naming the host in the organization view.
    public let hostPort: String

    /// True when a `watch` argument names an endpoint rather than a file.
    public static func isScrapeURL(_ argument: String) -> Bool {
        let lowered = argument.lowercased()
        return ["http://", "https://", "prometheus+http://", "prometheus+https://"].contains { lowered.hasPrefix($0) }
    }

    public init(_ argument: String) throws(ScrapeTargetError) {
        var text = argument
        if text.lowercased().hasPrefix("prometheus+") { text.removeFirst("prometheus+".count) }
        guard let schemeEnd = text.range(of: "://") else { throw ScrapeTargetError(argument: argument, problem: "expected http:// or https://") }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw ScrapeTargetError(argument: argument, problem: "expected http:// or https://") }
        let rest = text[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" || $0 == "#" } ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        guard !authority.isEmpty, !authority.hasPrefix(":") else { throw ScrapeTargetError(argument: argument, problem: "the host is missing") }
        let tail = rest[authorityEnd...]
        let pathPart = tail.prefix { $0 != "?" && $0 != "#" }
        // `http://host:4000` means its metrics.
        let path = pathPart.isEmpty ? "/metrics" : String(pathPart)
        url = "\(scheme)://\(rest[..<authorityEnd])\(path)\(tail.dropFirst(pathPart.count))"
        hostPort = String(authority)
        displayName = "\(scheme)://\(authority)\(path)"
    }
}

/// A scrape URL that cannot work: one line, exit 2.
public struct ScrapeTargetError: Error, Sendable, CustomStringConvertible {
    public var argument: String
    public var problem: String
    public var description: String {
        let shown = argument.split(separator: "?", maxSplits: 1).first.map(String.init) ?? argument
        return "\(shown): \(problem) (a Prometheus source is http://HOST:PORT/metrics)"
    }
}
