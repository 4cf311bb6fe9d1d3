/// OpenTelemetry data as the core sees it: plain values, whatever the wire encoding (OTLP
/// protobuf or JSON, decoded at the edge by RatetopOTLP). Only what ratetop reads is kept.

/// An attribute value (OTLP `AnyValue`); arrays, maps and bytes are `.other`.
public enum TelemetryValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case other

    /// The value as text (numbers written plainly), nil for `.other`.
    public var text: String? {
        switch self {
        case .string(let value): value
        case .int(let value): String(value)
        case .double(let value): value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): value ? "true" : "false"
        case .other: nil
        }
    }
}

/// One OTLP log record (a Claude Code event), with its resource's attributes under its own.
public struct TelemetryLogRecord: Sendable, Equatable {
    /// `time_unix_nano`, 0 when unset.
    public var timeUnixNano: UInt64
    /// `observed_time_unix_nano`, 0 when unset.
    public var observedTimeUnixNano: UInt64
    /// The body when it is a string (older Claude Code versions name the event there).
    public var body: String?
    public var attributes: [String: TelemetryValue]

    public init(timeUnixNano: UInt64 = 0, observedTimeUnixNano: UInt64 = 0, body: String? = nil,
                attributes: [String: TelemetryValue] = [:]) {
        self.timeUnixNano = timeUnixNano
        self.observedTimeUnixNano = observedTimeUnixNano
        self.body = body
        self.attributes = attributes
    }
}

/// One data point of an OTLP `Sum` metric (the only kind ratetop reads), with its resource's
/// attributes under its own.
public struct TelemetryMetricPoint: Sendable, Equatable {
    public enum Temporality: Sendable, Equatable {
        /// Each point is the increment since the previous one (`start_time_unix_nano` to `time_unix_nano`).
        case delta
        /// Each point is the total since `start_time_unix_nano`.
        case cumulative
    }

    public var name: String
    public var attributes: [String: TelemetryValue]
    public var value: Double
    public var startTimeUnixNano: UInt64
    public var timeUnixNano: UInt64
    public var temporality: Temporality
    public var isMonotonic: Bool

    public init(name: String, attributes: [String: TelemetryValue] = [:], value: Double, startTimeUnixNano: UInt64 = 0,
                timeUnixNano: UInt64, temporality: Temporality = .cumulative, isMonotonic: Bool = true) {
        self.name = name
        self.attributes = attributes
        self.value = value
        self.startTimeUnixNano = startTimeUnixNano
        self.timeUnixNano = timeUnixNano
        self.temporality = temporality
        self.isMonotonic = isMonotonic
    }
}
