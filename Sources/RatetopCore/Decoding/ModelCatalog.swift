#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A model id interned in a `ModelCatalog`: a small index, cheap to copy and compare.
public struct ModelRef: Hashable, Sendable {
    public var index: Int32
    public init(index: Int32) { self.index = index }
}

/// Interns model ids seen in logs so the hot path handles small integers, not strings.
///
/// Decoders hand it raw bytes; it allocates only the first time a model id is seen.
public final class ModelCatalog {
    public private(set) var names: [String] = []
    private var bytes: [[UInt8]] = []
    private var byHash: [UInt64: [Int32]] = [:]
    private var lastIndex: Int32 = -1

    public init() {}

    public var count: Int { names.count }

    public func name(_ ref: ModelRef) -> String { names[Int(ref.index)] }

    /// Interns a model id given as a string.
    public func intern(_ name: String) -> ModelRef {
        var utf8 = Array(name.utf8)
        return utf8.withUnsafeMutableBytes { intern(UnsafeRawBufferPointer($0)) }
    }

    /// Interns a model id given as raw UTF-8 bytes (unescaped).
    public func intern(_ raw: UnsafeRawBufferPointer) -> ModelRef {
        if lastIndex >= 0, matches(Int(lastIndex), raw) { return ModelRef(index: lastIndex) }
        let hash = Self.fnv1a(raw)
        if let candidates = byHash[hash] {
            for candidate in candidates where matches(Int(candidate), raw) {
                lastIndex = candidate
                return ModelRef(index: candidate)
            }
        }
        let index = Int32(names.count)
        let copy = Array(raw.bindMemory(to: UInt8.self))
        bytes.append(copy)
        names.append(String(decoding: copy, as: UTF8.self))
        byHash[hash, default: []].append(index)
        lastIndex = index
        return ModelRef(index: index)
    }

    @inline(__always)
    private func matches(_ index: Int, _ raw: UnsafeRawBufferPointer) -> Bool {
        let stored = bytes[index]
        guard stored.count == raw.count else { return false }
        if raw.count == 0 { return true }
        return stored.withUnsafeBytes { memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }
    }

    static func fnv1a(_ raw: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in raw {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}
