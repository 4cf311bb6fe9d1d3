import RatetopCore

/// The admission line of the selected class: "a request of N in / M out sent now would wait ~S".
extension DashboardView {
    /// One row: the request (the class's p95, scaled with `]`/`[`), its wait and what binds, the
    /// wait if the rest of the traffic stopped, and how far to trust it.
    static func drawAdmission(_ line: AdmissionLine?, row: Rect, grid: inout CellGrid) {
        drawLines([admissionParts(line)], x: row.x + 1, y: row.y, width: row.width - 2, maxY: row.maxY, grid: &grid)
    }

    static func admissionParts(_ line: AdmissionLine?) -> [(String, CellStyle)] {
        var parts: [(String, CellStyle)] = [("next request  ", .muted)]
        guard let line else {
            parts.append(("no request seen yet in this class", .muted))
            return parts
        }
        let size = NumberFormat.compact(Double(line.request.inputTokens)) + " in / "
            + NumberFormat.compact(Double(line.request.outputTokens)) + " out"
        parts.append((size, .normal))
        let scale = line.scale == 0 ? "p95" : line.scale > 0 ? "p95 ×\(1 << line.scale)" : "p95 ×1/\(1 << -line.scale)"
        parts.append((" (" + scale + "):", .muted))
        let forecast = line.forecast
        if let wait = forecast.waitSeconds {
            if wait <= 0 {
                parts.append((" admitted now", CellStyle.good))
            } else {
                parts.append((" waits ~" + waitText(wait), wait > 5 ? .warning : .normal))
                if let binding = forecast.binding { parts.append((" for " + binding.limitName, .normal)) }
                if let alone = forecast.waitIfAloneSeconds, alone < wait - 0.5 {
                    parts.append(("  alone ~" + waitText(alone), .muted))
                }
            }
        } else {
            let never = forecast.waitIfAloneSeconds == nil && forecast.binding != nil
            let text = never ? "never: more than the \(forecast.binding?.limitName ?? "") limit"
                : forecast.binding != nil ? "no wait is enough at this load (\(forecast.binding?.limitName ?? ""))"
                : "limits unknown"
            parts.append((" " + text, never ? .critical : .warning))
            if !never, let alone = forecast.waitIfAloneSeconds { parts.append(("  alone ~" + waitText(alone), .muted)) }
        }
        parts.append(("  confidence " + forecast.confidence.rawValue, .muted))
        parts.append(("  [ ] size", .muted))
        return parts
    }

    /// A wait: under a second says so (`<1s`), not `0s`.
    static func waitText(_ seconds: Double) -> String {
        seconds < 0.5 ? "<1s" : NumberFormat.duration(seconds)
    }
}
