import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// A LiteLLM proxy's `/metrics` for the binary to scrape (Hummingbird on 127.0.0.1, in the test
/// process): serves whatever text it is given, or an HTTP error while `failStatus` is set, and
/// counts the answers it composed. It can be stopped (connection refused) and started again on
/// the same port with the same `Shared` state (the proxy's host coming back).
///
/// Adapted from the scrape tests' `FixtureServer` (a test target cannot use another's files).
/// Here an answer is counted under the same lock that picks its body, so once `answers >= n` the
/// first n scrapes have their text: the end-to-end test relies on that to know which answer was
/// the counters' baseline before it makes them grow.
final class LiteLLMFixture: Sendable {
    struct State {
        var body = ""
        var failStatus: Int?
        var answers = 0
    }

    /// What outlives a stop: the text, the failure mode, the count.
    final class Shared: Sendable {
        let state = Mutex(State())
    }

    let shared: Shared
    let port: Int
    private let group: ServiceGroup
    private let running: Task<Void, Never>

    /// Starts on `port` (0: any free one), serving from `shared`.
    init(port: Int = 0, shared: Shared = Shared()) async throws {
        self.shared = shared
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            let (failStatus, body) = shared.state.withLock { state -> (Int?, String) in
                state.answers += 1
                return (state.failStatus, state.body)
            }
            if let failStatus {
                return Response(status: HTTPResponse.Status(code: failStatus),
                                body: ResponseBody(byteBuffer: ByteBuffer(string: "upstream error\n")))
            }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
        }
        var logger = Logger(label: "litellm-fixture")
        logger.logLevel = .critical
        let (ports, report) = AsyncStream.makeStream(of: Int.self)
        let application = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
                                      onServerRunning: { report.yield($0.localAddress?.port ?? -1) }, logger: logger)
        // A service group, as FakeAnthropicAPI does: its graceful shutdown closes the listening
        // socket at once, and a connection the scraper keeps alive is cut after a second.
        var configuration = ServiceGroupConfiguration(services: [application], logger: logger)
        configuration.maximumGracefulShutdownDuration = .seconds(1)
        let group = ServiceGroup(configuration: configuration)
        self.group = group
        running = Task.detached {
            try? await group.run()
            report.yield(-1)
            report.finish()
        }
        var iterator = ports.makeAsyncIterator()
        let bound = await iterator.next() ?? -1
        guard bound > 0 else { throw StartFailure(description: "the LiteLLM fixture could not listen on 127.0.0.1:\(port)") }
        self.port = bound
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    var url: String { "http://127.0.0.1:\(port)/metrics" }
    var answers: Int { shared.state.withLock { $0.answers } }

    func serve(_ text: String) { shared.state.withLock { $0.body = text } }

    /// Answers every scrape with `status` (nil: the text again).
    func fail(with status: Int?) { shared.state.withLock { $0.failStatus = status } }

    /// Stops listening: scrapes are refused until a fixture is started on the port again.
    func stop() async {
        await group.triggerGracefulShutdown()
        await running.value
    }

    /// A LiteLLM proxy's `/metrics` (prometheus_client's text) for one Sonnet deployment: the
    /// counters, their `_created` times (a restart changes them) and the remaining gauges.
    static func metrics(requests: Int, throttled: Int, input: Int, output: Int, remainingRequests: Int,
                        remainingTokens: Int, created: Double) -> String {
        let deployment = #"api_base="https://api.anthropic.com",api_provider="anthropic",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_id="d1",requested_model="sonnet""#
        let tokens = #"api_key_alias="ci",end_user="",hashed_api_key="abc",model="claude-sonnet-4-5-20250929",requested_model="sonnet",team="None",team_alias="None",user="u1""#
        let group = #"api_base="https://api.anthropic.com",api_provider="anthropic",litellm_model_name="anthropic/claude-sonnet-4-5-20250929",model_group="sonnet""#
        return """
            # HELP litellm_deployment_total_requests_total LLM Deployment Analytics - Total number of LLM API calls via litellm
            # TYPE litellm_deployment_total_requests_total counter
            litellm_deployment_total_requests_total{\(deployment)} \(requests).0
            litellm_deployment_total_requests_created{\(deployment)} \(created)
            # TYPE litellm_deployment_failure_responses_total counter
            litellm_deployment_failure_responses_total{\(deployment),exception_class="RateLimitError",exception_status="429"} \(throttled).0
            litellm_deployment_failure_responses_created{\(deployment),exception_class="RateLimitError",exception_status="429"} \(created)
            # TYPE litellm_input_tokens_metric_total counter
            litellm_input_tokens_metric_total{\(tokens)} \(input).0
            litellm_input_tokens_metric_created{\(tokens)} \(created)
            # TYPE litellm_output_tokens_metric_total counter
            litellm_output_tokens_metric_total{\(tokens)} \(output).0
            litellm_output_tokens_metric_created{\(tokens)} \(created)
            # TYPE litellm_remaining_requests_metric gauge
            litellm_remaining_requests_metric{\(group)} \(remainingRequests).0
            # TYPE litellm_remaining_tokens_metric gauge
            litellm_remaining_tokens_metric{\(group)} \(remainingTokens).0
            # TYPE python_gc_objects_collected_total counter
            python_gc_objects_collected_total{generation="0"} 1234.0

            """
    }
}
