// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "ratetop",
    // Linux x86_64 is the supported platform (what CI builds and tests). No `platforms:` claim:
    // nothing here is built or tested on macOS (the code imports Glibc and links ncursesw).
    products: [
        .executable(name: "ratetop", targets: ["ratetop"]),
        .executable(name: "ratetop-gen", targets: ["ratetop-gen"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // Pure core: parsing, the event model, estimation, summaries. No I/O, no clock.
        .target(
            name: "RatetopCore",
            dependencies: [
                .product(name: "Yams", package: "Yams"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])]
        ),
        // Threads of their own for the parts that must not wait on Swift's cooperative pool
        // (the metrics server, the scrapes, the alert sinks): one serial queue each.
        .target(name: "RatetopExecutors"),
        // Adapters at the edge: files, globs, the bundled limits table, output.
        .target(
            name: "RatetopIO",
            dependencies: ["RatetopCore", "CThreadPriority"],
            // The limits table and the demo's sample are compiled in (no resource bundle to lose).
            exclude: ["Resources"],
            swiftSettings: [.unsafeFlags(["-enforce-exclusivity=unchecked"])],
            plugins: ["EmbedResources"]
        ),
        // The calling thread's nice value (decode workers yield to the thread that runs the engine).
        .systemLibrary(name: "CThreadPriority", path: "Sources/CThreadPriority"),
        // Writes a target's Resources/ files as Swift string constants, at build time.
        .plugin(name: "EmbedResources", capability: .buildTool(), dependencies: ["ratetop-embed"]),
        .executableTarget(name: "ratetop-embed"),
        // Where alerts go besides stdout: Alertmanager, webhooks, commands. Bounded queues with
        // retries so a sink that is down never blocks the engine or loses alerts.
        .target(
            name: "RatetopAlerting",
            dependencies: [
                "RatetopCore", "RatetopExecutors",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The ncurses shim: attribute macros and C globals Swift cannot import, crash-time restore.
        .target(
            name: "CNcurses",
            linkerSettings: [.linkedLibrary("ncursesw")]
        ),
        // The only module that talks to ncurses: opens the screen, copies changed cells out,
        // decodes keys, restores the terminal.
        .target(name: "RatetopTerminal", dependencies: ["CNcurses", "RatetopUI"]),
        // A reference rate limiter and traffic model: ground truth for tests and sample logs.
        .target(name: "RatetopSimulation", dependencies: ["RatetopCore"]),
        // `ratetop plan`: a log's demand (logical calls, retries matched) replayed through the
        // reference limiter under other tiers, cache rates, batch moves and schedules. Pure.
        .target(
            name: "RatetopPlanner",
            dependencies: ["RatetopCore", "RatetopSimulation", .product(name: "HeapModule", package: "swift-collections")]
        ),
        // The dashboard drawn into an in-memory cell grid: widgets, layouts, the key table.
        // Pure: no terminal, no I/O, no clock.
        .target(name: "RatetopUI", dependencies: ["RatetopCore"]),
        // The dashboard: sessions (live or replay) wired to the view and the terminal.
        .target(name: "RatetopDashboard", dependencies: ["RatetopCore", "RatetopIO", "RatetopUI", "RatetopTerminal", "RatetopPlanner"]),
        // The Prometheus `/metrics` endpoint: the engine's estimates as Prometheus text, served
        // over HTTP (Hummingbird) for `--metrics-listen`.
        .target(
            name: "RatetopMetrics",
            dependencies: [
                "RatetopCore", "RatetopExecutors",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Prometheus sources for `watch`: scrapes `/metrics` of a LiteLLM proxy or another ratetop
        // on a task of its own (AsyncHTTPClient), with backoff; the parsing and mapping are Core's.
        .target(
            name: "RatetopScrape",
            dependencies: [
                "RatetopCore", "RatetopIO", "RatetopExecutors",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // zlib, for gzip-encoded OTLP exports (the system library: zlib1g-dev).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // `watch otlp://HOST:PORT`: an OTLP/HTTP receiver (Hummingbird) for Claude Code's
        // OpenTelemetry export, JSON or protobuf (SwiftProtobuf; the generated code is committed,
        // scripts/generate-otlp remakes it); the mapping onto events is Core's.
        .target(
            name: "RatetopOTLP",
            dependencies: [
                "RatetopCore", "RatetopIO", "RatetopExecutors", "CZlib",
                .product(name: "SwiftProtobuf", package: "swift-protobuf"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            exclude: ["Proto"]
        ),
        // `ratetop record`: the reverse proxy in front of the Anthropic API (Hummingbird listener,
        // AsyncHTTPClient upstream) and the exchange lines it appends to its log.
        .target(
            name: "RatetopRecord",
            dependencies: [
                "RatetopCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A local stand-in for the Anthropic API (tests and the record benchmark only).
        .target(
            name: "RatetopFakeUpstream",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The thin executable: argument parsing and wiring.
        .executableTarget(
            name: "ratetop",
            dependencies: [
                "RatetopCore", "RatetopIO", "RatetopDashboard", "RatetopAlerting", "RatetopMetrics", "RatetopScrape", "RatetopRecord", "RatetopOTLP",
                "RatetopPlanner",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Generates the bundled sample and benchmark logs.
        .executableTarget(
            name: "ratetop-gen",
            dependencies: [
                "RatetopSimulation", "RatetopCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Measures what `ratetop record` adds: latency, throughput, memory (scripts/bench-record.sh).
        .executableTarget(
            name: "ratetop-bench-record",
            dependencies: [
                "RatetopFakeUpstream", "RatetopTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "RatetopRecordTests",
            dependencies: [
                "RatetopRecord", "RatetopCore", "RatetopFakeUpstream", "RatetopTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "RatetopAlertingTests",
            dependencies: [
                "RatetopAlerting", "RatetopCore", "RatetopTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Shared by the test targets: child processes started with posix_spawn (no test imports
        // Foundation.Process) and reaped, and the tags every suite carries (`.unit`, `.endToEnd`).
        .target(name: "RatetopTestSupport"),
        .testTarget(name: "RatetopCoreTests", dependencies: [
            "RatetopCore", "RatetopIO", "RatetopTestSupport", .product(name: "PropertyBased", package: "swift-property-based"),
        ]),
        .testTarget(name: "RatetopIOTests", dependencies: ["RatetopIO", "RatetopTestSupport"]),
        .testTarget(name: "RatetopPlannerTests", dependencies: [
            "RatetopPlanner", "RatetopSimulation", "RatetopCore", "RatetopIO", "RatetopTestSupport",
        ]),
        .testTarget(name: "RatetopSimulationTests", dependencies: ["RatetopSimulation", "RatetopCore", "RatetopIO", "RatetopTestSupport"]),
        .testTarget(name: "RatetopTerminalTests", dependencies: ["RatetopTerminal", "RatetopUI", "CNcurses", "RatetopTestSupport"]),
        .testTarget(name: "RatetopEndToEndTests", dependencies: [
            "RatetopIO", "RatetopUI", "RatetopCore", "RatetopTestSupport", "RatetopFakeUpstream",
            // The chaos suite runs the proxy in-process too, with a short client idle timeout.
            "RatetopRecord",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // Golden files are read beside the source (#filePath), not bundled.
        .testTarget(name: "RatetopUITests", dependencies: ["RatetopUI", "RatetopCore", "RatetopTestSupport"], exclude: ["__Snapshots__"]),
        .testTarget(name: "RatetopMetricsTests", dependencies: ["RatetopMetrics", "RatetopCore", "RatetopIO", "RatetopTestSupport"]),
        .testTarget(
            name: "RatetopScrapeTests",
            dependencies: [
                "RatetopScrape", "RatetopIO", "RatetopCore", "RatetopMetrics", "RatetopTestSupport", "RatetopFakeUpstream",
            ]
        ),
        .testTarget(
            name: "RatetopOTLPTests",
            dependencies: ["RatetopOTLP", "RatetopIO", "RatetopCore", "RatetopTestSupport"]
        ),
        .testTarget(name: "RatetopDashboardTests", dependencies: [
            "RatetopDashboard", "RatetopUI", "RatetopIO", "RatetopCore", "RatetopTestSupport",
        ]),
    ]
)
