import RatetopExecutors

/// Where scrape loops run: a serial queue of their own, so a blocked caller never stalls a
/// scrape and a scrape never stalls the caller.
enum ScrapeExecutor {
    static let shared = SerialQueueExecutor(label: "ratetop.scrape")
}
