/// Renders the limits table in force as text for `ratetop limits`.
public enum LimitsReport {
    public static func render(table: LimitsTable, tier: String?, source: String?) -> String {
        var lines: [String] = []
        lines.append("ratetop limits table \(table.version)\(source.map { " with \($0)" } ?? " (bundled)")")
        lines.append("Per model class, per minute: requests / input tokens / output tokens. Response headers override these.")
        if !table.organizationLimits.isEmpty {
            lines.append("")
            lines.append("Organization limits\(source.map { " from \($0)" } ?? ""):")
            var rows = [["class", "RPM", "ITPM", "OTPM", "matches tier"]]
            for classID in table.organizationLimits.keys.sorted() {
                guard let limits = table.organizationLimits[classID] else { continue }
                let matched = table.schemes.lazy.compactMap { scheme in
                    scheme.tiers.first { $0.limits[classID] == limits }?.id
                }.first ?? "custom"
                rows.append([classID] + Dimension.allCases.map { limits[$0] > 0 ? compact(limits[$0]) : "?" } + [matched])
            }
            lines.append(contentsOf: columns(rows, indent: "  "))
        }
        if !table.otherLimits.isEmpty {
            lines.append("")
            lines.append("Other limits of the organization (no model bucket draws from these):")
            var rows = [["group", "limits"]]
            for group in table.otherLimits {
                rows.append([group.kind, group.values.isEmpty ? "none given"
                             : group.values.map { "\($0.type.replacingOccurrences(of: "_", with: " ")) \(compact($0.value))" }.joined(separator: ", ")])
            }
            lines.append(contentsOf: columns(rows, indent: "  "))
        }
        if let tier, let (scheme, chosen) = table.tier(named: tier) {
            lines.append("")
            lines.append("\(chosen.name) (\(scheme.name)\(inForce(scheme))): reached by \(chosen.reachedBy)"
                + (chosen.monthlySpendCapUSD.map { "; monthly spend cap $\(compact(Int($0)))" } ?? ""))
            var rows = [["class", "RPM", "ITPM", "OTPM", "cache reads count"]]
            for info in table.classes {
                guard let limits = chosen.limits[info.id] else { continue }
                rows.append([info.id] + Dimension.allCases.map { compact(limits[$0]) } + [info.cacheReadsCountTowardITPM ? "yes" : "no"])
            }
            lines.append(contentsOf: columns(rows, indent: "  "))
        } else {
            for scheme in table.schemes {
                lines.append("")
                lines.append("\(scheme.name)\(inForce(scheme))")
                var rows = [["class"] + scheme.tiers.map(\.id)]
                for info in table.classes where scheme.tiers.contains(where: { $0.limits[info.id] != nil }) {
                    rows.append([info.id + (info.cacheReadsCountTowardITPM ? "*" : "")] + scheme.tiers.map { tier in
                        tier.limits[info.id].map { l in Dimension.allCases.map { compact(l[$0]) }.joined(separator: "/") } ?? "-"
                    })
                }
                lines.append(contentsOf: columns(rows, indent: "  "))
                for tier in scheme.tiers {
                    lines.append("  \(tier.id): \(tier.reachedBy)" + (tier.monthlySpendCapUSD.map { ", spend cap $\(compact(Int($0)))/month" } ?? ""))
                }
            }
            lines.append("")
            lines.append("* ITPM also counts cache reads for this class.")
        }
        return lines.joined(separator: "\n")
    }

    private static func inForce(_ scheme: TierScheme) -> String {
        let from = scheme.inForceFrom.map { String(RFC3339.format($0).prefix(10)) }
        let until = scheme.inForceUntil.map { String(RFC3339.format($0 - 86_400).prefix(10)) }
        switch (from, until) {
        case let (from?, until?): return ", in force \(from) to \(until)"
        case let (from?, nil): return ", in force since \(from)"
        case let (nil, until?): return ", in force until \(until)"
        default: return ""
        }
    }

    /// 30000 → 30k, 2000000 → 2M, 1500000 → 1.5M.
    public static func compact(_ value: Int) -> String {
        func trimmed(_ x: Double) -> String {
            let rounded = (x * 10).rounded() / 10
            return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        }
        if value >= 1_000_000 { return trimmed(Double(value) / 1_000_000) + "M" }
        if value >= 10_000 || (value >= 1000 && value % 1000 == 0) { return trimmed(Double(value) / 1000) + "k" }
        return String(value)
    }

    private static func columns(_ rows: [[String]], indent: String) -> [String] {
        let count = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: count)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        return rows.map { row in
            indent + row.enumerated().map { i, cell in
                i == 0 ? cell.padding(to: widths[i]) : String(repeating: " ", count: widths[i] - cell.count) + cell
            }.joined(separator: "  ")
        }
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
