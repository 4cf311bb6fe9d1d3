import Foundation
import RatetopCore

/// Answers `GET /v1/admission?model=…&input_tokens=…&output_tokens=…` on the metrics server:
/// "a request of this size sent now would wait about S seconds", from the latest state the
/// runner handed over (`update`, once per tick). Safe to call from any thread (a lock).
///
/// `model` is a model id (any spelling the limits table knows) or a class id (`sonnet-4.x`);
/// `speed=fast` asks about the class's fast-mode bucket. Sizes default to the p95 of the class's
/// last admitted requests. Unknown model: 404; a bad number: 400; both with `{"error": …}`.
public final class AdmissionDesk: @unchecked Sendable {
    private let lock = NSLock()
    private let table: LimitsTable
    private var state: EngineState?
    private var typical: [String: RequestSize] = [:]

    public init(table: LimitsTable) {
        self.table = table
    }

    /// The state to answer from, and each class's typical request (its p95 size).
    public func update(state: EngineState, typicalRequests: [String: RequestSize]) {
        lock.lock()
        defer { lock.unlock() }
        self.state = state
        typical = typicalRequests
    }

    /// The answer to a query: an HTTP status and a JSON body.
    public func answer(query: [String: String]) -> (status: Int, body: String) {
        guard let model = query["model"], !model.isEmpty else {
            return (400, JSONLines.error("model is required: /v1/admission?model=claude-sonnet-4-5&input_tokens=2000&output_tokens=500"))
        }
        let fast = query["speed"]?.lowercased() == "fast"
        var given = PerDimension<Int?>(repeating: nil)
        for dimension in [Dimension.inputTokens, .outputTokens] {
            guard let text = query[dimension.jsonKey] else { continue }
            guard let value = Int(text), value >= 0, value <= 100_000_000 else {
                return (400, JSONLines.error("\(dimension.jsonKey) \(text.prefix(40)): expected a whole number of tokens, 0 to 100000000"))
            }
            given[dimension] = value
        }
        lock.lock()
        let state = self.state, typical = self.typical
        lock.unlock()

        let buckets = state?.buckets ?? []
        let lowered = model.lowercased()
        guard var classID = table.modelClass(named: model)?.id
            ?? buckets.first(where: { $0.classID == lowered || $0.models.contains(model) })?.classID else {
            return (404, JSONLines.error("model \(model.prefix(80)): not a model the limits table or the traffic knows"))
        }
        if fast && !classID.hasSuffix("-fast") { classID += "-fast" }
        let bucket = buckets.first { $0.classID == classID }
        let size = typical[classID]
        let request = RequestSize(inputTokens: given.inputTokens ?? size?.inputTokens ?? 0,
                                  outputTokens: given.outputTokens ?? size?.outputTokens ?? 0)
        let requestSize = given.inputTokens != nil && given.outputTokens != nil ? "given" : size != nil ? "p95" : "given"
        let forecast = bucket.map { AdmissionForecast.forecast(for: request, in: $0) }
            ?? AdmissionForecast(waitSeconds: 0, waitIfAloneSeconds: 0, binding: nil, confidence: .low,
                                 note: "no traffic seen in this class yet: its buckets are taken as full")
        return (200, JSONLines.admission(model: model, bucket: classID, request: request, requestSize: requestSize,
                                         forecast: forecast, state: bucket, at: state?.at))
    }
}
