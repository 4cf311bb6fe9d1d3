/// What the API's own objects look like in every format that embeds them: the `usage` object, a
/// 429's message naming the dimension, an error text naming a status. Shared by the decoders
/// (each reads its own line shape and hands these parts here).
enum APIObjects {
    /// Reads the API's usage object; returns true when `service_tier` is `batch`.
    static func readUsage(_ cursor: inout JSONCursor, into usage: inout Usage,
                          other: (JSONString, inout JSONCursor) throws(JSONScanError) -> Bool = { _, _ in false })
        throws(JSONScanError) -> Bool {
        try cursor.openObject()
        var isBatch = false
        var sawTotal = false
        var ephemeralSum = 0
        var sawEphemeral = false
        var first = true
        while let key = try cursor.nextKey(&first) {
            switch key.count {
            case 12 where key.equals("input_tokens"), 21 where key.equals("uncached_input_tokens"):
                // The usage report's name for the same thing.
                usage.inputTokens = try cursor.readInt() ?? 0
            case 13 where key.equals("output_tokens"):
                usage.outputTokens = try cursor.readInt() ?? 0
            case 27 where key.equals("cache_creation_input_tokens"):
                usage.cacheCreationInputTokens = try cursor.readInt() ?? 0
                sawTotal = true
            case 23 where key.equals("cache_read_input_tokens"):
                usage.cacheReadInputTokens = try cursor.readInt() ?? 0
            case 14 where key.equals("cache_creation"):
                if cursor.consumeNull() { continue }
                try cursor.openObject()
                var inner = true
                while let sub = try cursor.nextKey(&inner) {
                    if sub.equals("ephemeral_1h_input_tokens") {
                        let value = try cursor.readInt() ?? 0
                        usage.cacheCreation1hInputTokens = value
                        ephemeralSum += value
                        sawEphemeral = true
                    } else if sub.equals("ephemeral_5m_input_tokens") {
                        ephemeralSum += try cursor.readInt() ?? 0
                        sawEphemeral = true
                    } else {
                        try cursor.skipValue()
                    }
                }
            case 12 where key.equals("service_tier"):
                if let tier = try cursor.readOptionalString() { isBatch = tier.equals("batch") }
            case 15 where key.equals("server_tool_use"):
                if cursor.consumeNull() { continue }
                try cursor.openObject()
                var inner = true
                while let sub = try cursor.nextKey(&inner) {
                    if sub.equals("web_search_requests") {
                        usage.webSearchRequests = try cursor.readInt() ?? 0
                        try Plausible.count(usage.webSearchRequests, "web_search_requests")
                    } else {
                        try cursor.skipValue()
                    }
                }
            case 5 where key.equals("speed"):
                if let speed = try cursor.readOptionalString() { usage.isFast = speed.equals("fast") }
            default:
                if try !other(key, &cursor) { try cursor.skipValue() }
            }
        }
        // Usage reports give only the breakdown of cache writes.
        if !sawTotal && sawEphemeral { usage.cacheCreationInputTokens = ephemeralSum }
        guard usage.inputTokens >= 0, usage.outputTokens >= 0, usage.cacheReadInputTokens >= 0,
              usage.cacheCreationInputTokens >= 0, usage.cacheCreation1hInputTokens >= 0 else {
            throw JSONScanError("usage: negative token count")
        }
        try Plausible.count(usage.inputTokens, "input_tokens")
        try Plausible.count(usage.outputTokens, "output_tokens")
        try Plausible.count(usage.cacheReadInputTokens, "cache_read_input_tokens")
        try Plausible.count(usage.cacheCreationInputTokens, "cache_creation_input_tokens")
        return isBatch
    }

    /// The dimension named by a 429 message such as "...of 50,000 input tokens per minute".
    static func limitedDimension(inMessage message: JSONString) -> Dimension? {
        guard let at = message.firstRange(of: " per minute") else { return nil }
        let before = JSONString(base: message.base, count: at, hasEscapes: false)
        if before.hasSuffix("input tokens") { return .inputTokens }
        if before.hasSuffix("output tokens") { return .outputTokens }
        if before.hasSuffix("requests") { return .requests }
        return nil
    }

    /// The status an error text names, or nil.
    /// Whether an error text is a subscription's limit (Claude Code's messages for a used-up
    /// plan window), and the reset time when it carries one (`…usage limit reached|<epoch>`).
    static func subscriptionLimit(in text: JSONString) -> (isLimit: Bool, resetsAt: Double?) {
        let isLimit = text.contains("usage limit reached") || text.contains("hit your session limit")
            || text.contains("hit your usage limit") || text.contains("hit your weekly limit") || text.contains("hit your limit")
            || text.contains("session limit reached") || text.contains("weekly limit reached") || text.contains("hour limit reached")
        guard isLimit else { return (false, nil) }
        // "Claude AI usage limit reached|1750000000": the reset, in epoch seconds.
        let raw = text.raw
        var resetsAt: Double?
        if let bar = raw.firstIndex(of: UInt8(ascii: "|")) {
            var value = 0
            var digits = 0
            var index = bar + 1
            while index < raw.count, raw[index] >= UInt8(ascii: "0"), raw[index] <= UInt8(ascii: "9"), digits < 12 {
                value = value * 10 + Int(raw[index] - UInt8(ascii: "0"))
                digits += 1
                index += 1
            }
            if digits >= 9, let time = try? Plausible.time(Double(value), "reset") { resetsAt = time }
        }
        return (true, resetsAt)
    }

    static func statusNamed(in text: JSONString) -> Int? {
        if text.contains("rate_limit") || text.contains("Rate limit") || text.contains("rate limit") { return 429 }
        if text.contains("overloaded") || text.contains("Overloaded") { return 529 }
        if text.contains("429") { return 429 }
        if text.contains("529") { return 529 }
        return nil
    }
}

extension JSONCursor {
    /// Reads a number, or a string holding one; anything else is skipped and gives nil.
    mutating func readLooseInt() throws(JSONScanError) -> Int? {
        switch peek() {
        case UInt8(ascii: "\""):
            return try readString().integerValue
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try readInt()
        default:
            try skipValue()
            return nil
        }
    }
}
