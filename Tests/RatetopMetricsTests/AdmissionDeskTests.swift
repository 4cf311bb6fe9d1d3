import Foundation
@testable import RatetopCore
import RatetopIO
import RatetopMetrics
import RatetopTestSupport
import Testing

/// `GET /v1/admission`'s answers, without a server: the query in, the status and JSON out.
@Suite(.tags(.unit)) struct AdmissionDeskTests {
    static func desk() throws -> AdmissionDesk {
        let desk = AdmissionDesk(table: try BundledLimitsTable.load())
        // Sonnet's input bucket at 12,000 of 30,000, consumed at 26,100 a minute (refill 30,000).
        desk.update(state: MetricsFixtures.state, typicalRequests: ["sonnet-4.x": RequestSize(inputTokens: 14000, outputTokens: 800)])
        return desk
    }

    static func object(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]) ?? [:]
    }

    @Test func aGivenRequestWaitsForItsBindingBucket() throws {
        let answer = try Self.desk().answer(query: ["model": "claude-sonnet-4-5-20250929", "input_tokens": "20000", "output_tokens": "500"])
        #expect(answer.status == 200)
        let body = Self.object(answer.body)
        // 8,000 short at a net 65 tokens a second (500 refill − 435 consumed).
        #expect(body["bucket"] as? String == "sonnet-4.x")
        #expect(abs((body["wait_seconds"] as? Double ?? 0) - 8000.0 / 65) < 0.1, "\(answer.body)")
        #expect(body["wait_if_alone_seconds"] as? Double == 16)
        #expect(body["binding"] as? String == "input_tokens")
        #expect(body["request_size"] as? String == "given")
        // Headers gave the limits, but 1,500 untracked input a minute is only 5 % of 30,000.
        #expect(body["confidence"] as? String == "high")
    }

    @Test func sizesDefaultToTheClassesP95AndClassIDsWork() throws {
        let answer = try Self.desk().answer(query: ["model": "sonnet-4.x"])
        let body = Self.object(answer.body)
        #expect(answer.status == 200)
        #expect(body["input_tokens"] as? Int == 14000 && body["output_tokens"] as? Int == 800, "\(answer.body)")
        #expect(body["request_size"] as? String == "p95")
        #expect((body["wait_seconds"] as? Double ?? 0) > 0)
    }

    @Test func aClassWithoutTrafficIsFullButLowConfidence() throws {
        let body = Self.object(try Self.desk().answer(query: ["model": "claude-opus-4-1", "input_tokens": "10"]).body)
        #expect(body["bucket"] as? String == "opus-4.x")
        #expect(body["wait_seconds"] as? Double == 0)
        #expect(body["confidence"] as? String == "low")
        #expect((body["note"] as? String)?.contains("no traffic") == true)
    }

    @Test(arguments: [
        (["input_tokens": "5"], 400, "model is required"),
        (["model": "claude-sonnet-4-5", "input_tokens": "-3"], 400, "input_tokens -3"),
        (["model": "claude-sonnet-4-5", "output_tokens": "lots"], 400, "output_tokens lots"),
        (["model": "gpt-4o"], 404, "gpt-4o"),
    ]) func badQueriesSayWhat(_ query: [String: String], _ status: Int, _ message: String) throws {
        let answer = try Self.desk().answer(query: query)
        #expect(answer.status == status)
        #expect((Self.object(answer.body)["error"] as? String)?.contains(message) == true, "\(answer.body)")
    }
}
