/// The size of one request as the limiter counts it: counted input (uncached input and cache
/// writes, plus cache reads where the class counts them) and output tokens.
public struct RequestSize: Sendable, Equatable {
    public var inputTokens: Int
    public var outputTokens: Int

    public init(inputTokens: Int, outputTokens: Int) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
}

/// The sizes of a class's last admitted requests, for "a typical request": a fixed ring, so
/// recording is O(1) and memory is bounded; the p95 is computed only when asked (the dashboard
/// once a frame, the admission endpoint once a query), never per event.
struct RecentRequestSizes {
    static let capacity = 256
    private var input: [Int32] = []
    private var output: [Int32] = []
    private var next = 0

    mutating func record(input countedInput: Double, output outputTokens: Double) {
        let sizeIn = Int32(clamping: Int(min(max(countedInput, 0), Double(Int32.max))))
        let sizeOut = Int32(clamping: Int(min(max(outputTokens, 0), Double(Int32.max))))
        if input.count < Self.capacity {
            input.append(sizeIn)
            output.append(sizeOut)
        } else {
            input[next] = sizeIn
            output[next] = sizeOut
        }
        next = (next + 1) % Self.capacity
    }

    /// The 95th percentile of input and of output (each on its own), nil before any request.
    var p95: RequestSize? {
        guard !input.isEmpty else { return nil }
        func percentile(_ values: [Int32]) -> Int {
            let sorted = values.sorted()
            let rank = Int((0.95 * Double(sorted.count)).rounded(.up)) - 1
            return Int(sorted[min(max(rank, 0), sorted.count - 1)])
        }
        return RequestSize(inputTokens: percentile(input), outputTokens: percentile(output))
    }
}
