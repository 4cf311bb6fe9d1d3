/// The dense shape: the benchmark organization's traffic (about 2,000 attempts a minute at
/// scale 1), with its rates scaled so that a given number of lines fills a given span.
public enum DenseTraffic {
    /// The benchmark model with its rates scaled so that `lines` attempts take about `span`
    /// seconds from its start. The model runs longer than the span so that it never runs dry
    /// before `lines`; the caller stops at `lines`.
    ///
    /// The number of calls a scale gives is known from the model; the number of attempts is
    /// not (429s are retried, and more of them as the load nears the limits), so the retry
    /// factor is measured on a sample of the span (its first 90 minutes, which hold one hourly
    /// batch job) and the scale corrected, twice.
    public static func model(lines: Int, span: Double, seed: UInt64 = 7) -> TrafficModel {
        let hours = span / 3_600
        let calls = expectedCalls(hours: hours, rateScale: 1)
        var retryFactor = 1.0
        var scale = Double(lines) / calls
        let sampleHours = min(hours, 1.5)
        for _ in 0..<2 {
            let sampleCalls = expectedCalls(hours: sampleHours, rateScale: scale)
            guard sampleCalls >= 200 else { break }
            var simulation = TrafficSimulation(model: .benchmark(hours: sampleHours, rateScale: scale), seed: seed)
            var attempts = 0
            while simulation.nextAttempt() != nil { attempts += 1 }
            retryFactor = max(1, Double(attempts) / sampleCalls)
            scale = Double(lines) / (calls * retryFactor)
        }
        return TrafficModel.benchmark(hours: max(hours * 2, hours + 1), rateScale: scale)
    }

    /// The calls the benchmark model makes in its first `hours` at `rateScale`: the Poisson
    /// streams' integral over the day's shape and the hourly batch jobs (retries not included).
    static func expectedCalls(hours: Double, rateScale: Double) -> Double {
        let model = TrafficModel.benchmark(hours: hours, rateScale: rateScale)
        var calls = 0.0
        let step = 60.0
        for stream in model.streams {
            switch stream.arrivals {
            case .poisson(let profile):
                var t = model.start
                while t < model.end {
                    let slice = min(step, model.end - t)
                    calls += profile.ratePerSecond(at: t + slice / 2) * slice
                    t += slice
                }
            case .workers(_, _, let total):
                calls += Double(total)
            }
        }
        return calls
    }
}
