/// A LiteLLM proxy's `/metrics` (prometheus_client's text) for one Sonnet deployment: the
/// counters, their `_created` times (a restart changes them) and the remaining gauges.
func liteLLMExposition(requests: Int, throttled: Int, input: Int, output: Int, remainingRequests: Int,
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
