/// One of the three rate-limit dimensions every model class has.
public enum Dimension: Int, CaseIterable, Sendable, Hashable {
    case requests = 0
    case inputTokens = 1
    case outputTokens = 2

    /// The key used in ratetop's JSON output (`requests`, `input_tokens`, `output_tokens`).
    public var jsonKey: String {
        switch self {
        case .requests: "requests"
        case .inputTokens: "input_tokens"
        case .outputTokens: "output_tokens"
        }
    }

    /// The short name people use for the limit (`RPM`, `ITPM`, `OTPM`).
    public var limitName: String {
        switch self {
        case .requests: "RPM"
        case .inputTokens: "ITPM"
        case .outputTokens: "OTPM"
        }
    }
}

/// A value per dimension.
public struct PerDimension<Value>: Sendable where Value: Sendable {
    public var requests: Value
    public var inputTokens: Value
    public var outputTokens: Value

    public init(requests: Value, inputTokens: Value, outputTokens: Value) {
        self.requests = requests
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }

    public init(repeating value: Value) {
        self.init(requests: value, inputTokens: value, outputTokens: value)
    }

    public subscript(dimension: Dimension) -> Value {
        get {
            switch dimension {
            case .requests: requests
            case .inputTokens: inputTokens
            case .outputTokens: outputTokens
            }
        }
        _modify {
            switch dimension {
            case .requests: yield &requests
            case .inputTokens: yield &inputTokens
            case .outputTokens: yield &outputTokens
            }
        }
    }

    public func map<T>(_ transform: (Value) throws -> T) rethrows -> PerDimension<T> {
        PerDimension<T>(requests: try transform(requests), inputTokens: try transform(inputTokens),
                        outputTokens: try transform(outputTokens))
    }
}

extension PerDimension: Equatable where Value: Equatable {}
extension PerDimension: Hashable where Value: Hashable {}
