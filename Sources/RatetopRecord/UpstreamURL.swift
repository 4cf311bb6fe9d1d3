import Foundation

/// `--upstream URL`: where the proxy forwards to, `http(s)://host[:port][/base/path]`. Request
/// paths are appended to the base path. User info is refused: credentials never go in a flag.
public struct UpstreamURL: Sendable, Equatable {
    /// `https://api.anthropic.com`, without a trailing slash.
    public let base: String
    /// `scheme://host[:port]`: how messages name the upstream (never its path).
    public let displayName: String

    public init(_ text: String) throws(UpstreamURLError) {
        func bad(_ problem: String) -> UpstreamURLError { UpstreamURLError(value: text, problem: problem) }
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              scheme == "http" || scheme == "https" else { throw bad("expected an http:// or https:// URL") }
        guard let host = components.host, !host.isEmpty else { throw bad("the host is missing") }
        guard components.user == nil, components.password == nil else {
            throw bad("user info is not allowed in the URL (the client's own credentials are forwarded)")
        }
        guard components.query == nil, components.fragment == nil else { throw bad("a query or fragment is not allowed") }
        let hostText = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let port = components.port.map { ":\($0)" } ?? ""
        var path = components.percentEncodedPath
        while path.hasSuffix("/") { path.removeLast() }
        displayName = "\(scheme)://\(hostText)\(port)"
        base = displayName + path
    }

    /// The upstream URL for a request target (`/v1/messages?beta=true`).
    public func url(for target: String) -> String {
        target.hasPrefix("/") ? base + target : base + "/" + target
    }
}

/// A bad `--upstream` value: one line, exit 2.
public struct UpstreamURLError: Error, Equatable, CustomStringConvertible {
    public var value: String
    public var problem: String
    public var description: String {
        // The value is cut at the host: a path or user info may hold a token.
        "--upstream \(Self.redacted(value)): \(problem)"
    }

    static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://") else { return text.split(separator: "/").first.map(String.init) ?? "" }
        let rest = text[schemeEnd.upperBound...]
        let authority = rest.split(separator: "/", maxSplits: 1).first.map(String.init) ?? ""
        let host = authority.split(separator: "@").last.map(String.init) ?? ""
        return "\(text[..<schemeEnd.upperBound])\(host)\(rest.count > host.count ? "/…" : "")"
    }
}
