import Foundation

/// Which headers go where. The log keeps an allow-list of response headers (never a deny-list:
/// a header nobody thought of is left out, so a new credential header can never leak into a
/// log); forwarding drops only the hop-by-hop headers a proxy must not pass on.
public enum HeaderPolicy {
    /// Exact names (lower case) of response headers an `exchange` line keeps.
    public static let loggedNames: Set<String> = [
        "retry-after", "request-id", "x-should-retry", "anthropic-organization-id",
    ]

    /// Name prefixes of response headers an `exchange` line keeps: the rate-limit families.
    public static let loggedPrefixes: [String] = [
        "anthropic-ratelimit-", "anthropic-priority-input-tokens-", "anthropic-priority-output-tokens-",
        "anthropic-fast-input-tokens-", "anthropic-fast-output-tokens-",
    ]

    /// True when a response header may be written to the log.
    public static func isLogged(_ lowercasedName: String) -> Bool {
        loggedNames.contains(lowercasedName) || loggedPrefixes.contains { lowercasedName.hasPrefix($0) }
    }

    /// Headers that describe one connection, not the message (RFC 9110 §7.6.1), plus the ones
    /// the HTTP layers on either side set themselves (`host`, `content-length`).
    public static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length",
    ]

    /// True when a header must not be forwarded as is: hop-by-hop, or named by the message's
    /// own `Connection` header (`connectionTokens`, lower case).
    public static func isHopByHop(_ lowercasedName: String, connectionTokens: Set<String>) -> Bool {
        hopByHop.contains(lowercasedName) || connectionTokens.contains(lowercasedName)
    }

    /// `name` in lower case; the same string, without a copy, when it already is (HTTP/2 and
    /// the API send lower-case names, so this is the common case on the proxy's hot path).
    public static func lowercased(_ name: String) -> String {
        name.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") } ? name.lowercased() : name
    }

    /// The header names a `Connection` header value lists (`close, x-foo` → ["close", "x-foo"]).
    public static func connectionTokens(_ values: [String]) -> Set<String> {
        Set(values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }.filter { !$0.isEmpty })
    }
}

