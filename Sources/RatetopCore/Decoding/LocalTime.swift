#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Times written without a zone (LiteLLM's spend-log rows: `"2025-06-22 10:59:08"`, the
/// proxy's local time) are read in the process's time zone: `TZ`, which `--timezone` sets, else
/// the machine's. The offset is looked up once per hour of naive time (daylight saving moves
/// it at most hourly).
public final class LocalTime {
    private var cachedHour = Int64.min
    private var cachedOffset = 0.0

    public init() {}

    /// A naive time (its fields read as if UTC) as a real UTC time, in the process's zone.
    public func utc(fromNaive naive: Double) -> Double {
        let hour = Int64((naive / 3600).rounded(.down))
        if hour != cachedHour {
            cachedHour = hour
            cachedOffset = Self.offset(atNaive: Double(hour) * 3600)
        }
        return naive - cachedOffset
    }

    /// Seconds east of UTC of the process's zone at a naive time.
    static func offset(atNaive naive: Double) -> Double {
        var seconds = time_t(naive)
        var fields = tm()
        guard gmtime_r(&seconds, &fields) != nil else { return 0 }
        fields.tm_isdst = -1
        let local = mktime(&fields)
        guard local != -1 else { return 0 }
        return Double(Int64(seconds) - Int64(local))
    }

    /// The process's zone as a user reads it: `Europe/Berlin (UTC+01:00)`.
    public static func describeZone(at time: Double) -> String {
        tzset()
        let name = getenv("TZ").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "the machine's local zone"
        let offset = Int(Self.offset(atNaive: time))
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        let hh = minutes / 60 < 10 ? "0\(minutes / 60)" : "\(minutes / 60)"
        let mm = minutes % 60 < 10 ? "0\(minutes % 60)" : "\(minutes % 60)"
        return "\(name.hasPrefix(":") ? String(name.dropFirst()) : name) (UTC\(sign)\(hh):\(mm))"
    }
}
