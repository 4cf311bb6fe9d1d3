import RatetopCore

/// One consumer in the "who is draining" table: a source file, a Claude Code project or
/// session, or a value of the `--group-by` field, with its use over the last minute.
public struct Drainer: Sendable {
    public var name: String
    /// Its share of the class's consumption per dimension, 0…1.
    public var sharePerDimension: PerDimension<Double>
    /// Its consumption per minute per dimension.
    public var perMinute: PerDimension<Double>

    public init(name: String, sharePerDimension: PerDimension<Double>, perMinute: PerDimension<Double>) {
        self.name = name
        self.sharePerDimension = sharePerDimension
        self.perMinute = perMinute
    }
}
