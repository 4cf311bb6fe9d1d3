import CZlib
import Foundation
import RatetopCore
import SwiftProtobuf

/// One OTLP/HTTP export request's body → the core's plain records. Protobuf
/// (`application/x-protobuf`) or JSON (`application/json`, the OTLP/JSON mapping: 64-bit
/// integers as strings, enums as numbers, trace and span ids as hex — read as base64 here, which
/// hex always is, and never used), optionally gzip-encoded. Both through the generated
/// swift-protobuf messages (`Generated/`, from the OTLP `.proto` files).
public enum OTLPPayload {
    public enum Encoding: Sendable, Equatable {
        case protobuf
        case json
    }

    public enum Signal: String, Sendable {
        case logs
        case metrics
    }

    /// Why a body was refused: one line.
    public struct Failure: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// The encoding a `Content-Type` names, nil for any other.
    public static func encoding(contentType: String?) -> Encoding? {
        guard let contentType else { return nil }
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        switch type {
        case "application/x-protobuf", "application/protobuf", "application/vnd.google.protobuf": return .protobuf
        case "application/json": return .json
        default: return nil
        }
    }

    /// The deepest nesting read (`AnyValue` arrays and maps nest without end on the wire).
    static let depthLimit = 32

    public static func logs(_ body: [UInt8], encoding: Encoding) throws(Failure) -> [TelemetryLogRecord] {
        let request: Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceRequest = try decode(body, encoding: encoding)
        var records: [TelemetryLogRecord] = []
        for resourceLogs in request.resourceLogs {
            let resource = attributes(resourceLogs.resource.attributes)
            for scopeLogs in resourceLogs.scopeLogs {
                for log in scopeLogs.logRecords {
                    var merged = resource
                    for (key, value) in attributes(log.attributes) { merged[key] = value }
                    var body: String?
                    if case .stringValue(let text)? = log.body.value { body = text }
                    if !log.eventName.isEmpty, merged["event.name"] == nil { merged["event.name"] = .string(log.eventName) }
                    records.append(TelemetryLogRecord(timeUnixNano: log.timeUnixNano, observedTimeUnixNano: log.observedTimeUnixNano,
                                                      body: body, attributes: merged))
                }
            }
        }
        return records
    }

    /// The data points of every monotonic or not `Sum` (gauges, histograms and summaries are not read).
    public static func metrics(_ body: [UInt8], encoding: Encoding) throws(Failure) -> [TelemetryMetricPoint] {
        let request: Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest = try decode(body, encoding: encoding)
        var points: [TelemetryMetricPoint] = []
        for resourceMetrics in request.resourceMetrics {
            let resource = attributes(resourceMetrics.resource.attributes)
            for scopeMetrics in resourceMetrics.scopeMetrics {
                for metric in scopeMetrics.metrics {
                    guard case .sum(let sum)? = metric.data else { continue }
                    let temporality: TelemetryMetricPoint.Temporality = sum.aggregationTemporality == .delta ? .delta : .cumulative
                    for point in sum.dataPoints {
                        var merged = resource
                        for (key, value) in attributes(point.attributes) { merged[key] = value }
                        let value: Double = switch point.value {
                        case .asDouble(let number)?: number
                        case .asInt(let number)?: Double(number)
                        case nil: 0
                        }
                        points.append(TelemetryMetricPoint(name: metric.name, attributes: merged, value: value,
                                                           startTimeUnixNano: point.startTimeUnixNano, timeUnixNano: point.timeUnixNano,
                                                           temporality: temporality, isMonotonic: sum.isMonotonic))
                    }
                }
            }
        }
        return points
    }

    /// The answer to an accepted export: an empty `Export…ServiceResponse` in the request's encoding.
    public static func emptyResponse(_ signal: Signal, encoding: Encoding) -> [UInt8] {
        switch encoding {
        case .json: return Array("{}".utf8)
        case .protobuf:
            let bytes: [UInt8]? = switch signal {
            case .logs: try? Opentelemetry_Proto_Collector_Logs_V1_ExportLogsServiceResponse().serializedBytes()
            case .metrics: try? Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceResponse().serializedBytes()
            }
            return bytes ?? []
        }
    }

    static func decode<M: SwiftProtobuf.Message>(_ body: [UInt8], encoding: Encoding) throws(Failure) -> M {
        do {
            switch encoding {
            case .protobuf:
                var options = BinaryDecodingOptions()
                options.messageDepthLimit = depthLimit
                options.discardUnknownFields = true
                return try M(serializedBytes: body, options: options)
            case .json:
                var options = JSONDecodingOptions()
                options.ignoreUnknownFields = true
                options.messageDepthLimit = depthLimit
                return try M(jsonUTF8Bytes: body, options: options)
            }
        } catch {
            let kind = encoding == .json ? "OTLP/JSON" : "OTLP protobuf"
            throw Failure("not \(kind): \(describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        let text = String(describing: error)
        return String(text.split(whereSeparator: \.isNewline).first?.prefix(160) ?? "unreadable")
    }

    static func attributes(_ list: [Opentelemetry_Proto_Common_V1_KeyValue]) -> [String: TelemetryValue] {
        var result: [String: TelemetryValue] = [:]
        result.reserveCapacity(list.count)
        for pair in list {
            let value: TelemetryValue = switch pair.value.value {
            case .stringValue(let text)?: .string(text)
            case .intValue(let number)?: .int(number)
            case .doubleValue(let number)?: .double(number)
            case .boolValue(let flag)?: .bool(flag)
            default: .other
            }
            result[pair.key] = value
        }
        return result
    }

    // MARK: gzip

    /// Inflates a gzip (or zlib) body, refusing one that grows past `limit` bytes.
    public static func gunzip(_ body: [UInt8], limit: Int) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        // 15 + 32: a gzip or zlib header, detected.
        guard inflateInit2_(&stream, 15 + 32, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure("gzip: cannot start inflating")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        var status: Int32 = Z_OK
        var input = body
        let failure: Failure? = input.withUnsafeMutableBufferPointer { inputBuffer -> Failure? in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            repeat {
                let produced: Int = chunk.withUnsafeMutableBufferPointer { out in
                    stream.next_out = out.baseAddress
                    stream.avail_out = uInt(out.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return out.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END || (status == Z_BUF_ERROR && produced > 0) else {
                    return Failure("gzip: corrupt body (zlib status \(status))")
                }
                output.append(contentsOf: chunk[0..<produced])
                if output.count > limit { return Failure("gzip: the body inflates past \(limit >> 20) MiB") }
                if produced == 0 && status != Z_STREAM_END { return Failure("gzip: the body ends early") }
            } while status != Z_STREAM_END
            return nil
        }
        if let failure { throw failure }
        return output
    }
}
