/// A `watch` source that is an OTLP/HTTP receiver: `otlp://HOST:PORT` (`otlp://:4318` listens on
/// every interface; the port defaults to 4318, OTLP/HTTP's).
public struct OTLPTarget: Sendable, Equatable {
    public let host: String
    public let port: Int
    /// `otlp://host:port`, as alerts and the status line show it.
    public var displayName: String { "otlp://\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    public static let defaultPort = 4318

    /// True when a `watch` argument names a receiver rather than a file.
    public static func isOTLPURL(_ argument: String) -> Bool {
        argument.lowercased().hasPrefix("otlp://")
    }

    public init(_ argument: String) throws(OTLPTargetError) {
        func bad(_ problem: String) -> OTLPTargetError { OTLPTargetError(argument: argument, problem: problem) }
        guard Self.isOTLPURL(argument) else { throw bad("expected otlp://HOST:PORT") }
        var rest = Substring(argument.dropFirst("otlp://".count))
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/"), !rest.contains("?"), !rest.contains("#"), !rest.contains("@") else {
            throw bad("give only HOST:PORT (the receiver answers on /v1/logs and /v1/metrics)")
        }
        var host: Substring
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw bad("the IPv6 address has no closing ']'") }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw bad("expected ':PORT' after ']'") }
                portText = after.dropFirst()
            }
            guard !host.isEmpty else { throw bad("the IPv6 address between '[' and ']' is empty") }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard !host.contains(":") else { throw bad("an IPv6 address needs brackets, e.g. otlp://[::1]:4318") }
            portText = rest[rest.index(after: colon)...]
        } else {
            host = rest
        }
        if host.isEmpty { host = "0.0.0.0" }
        guard host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":" || $0 == "_") }) else {
            throw bad("'\(host)' is not a host name or address")
        }
        var port = Self.defaultPort
        if let portText {
            guard !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let number = Int(portText), number <= 65535 else {
                throw bad("the port '\(portText)' is not a number from 0 to 65535")
            }
            port = number
        }
        self.host = String(host)
        self.port = port
    }
}

/// An `otlp://` argument that cannot work: one line, exit 2.
public struct OTLPTargetError: Error, Sendable, CustomStringConvertible {
    public var argument: String
    public var problem: String
    public var description: String {
        "\(argument): \(problem) (an OTLP receiver is otlp://HOST:PORT, e.g. otlp://127.0.0.1:4318 or otlp://:4318 for every interface)"
    }
}
