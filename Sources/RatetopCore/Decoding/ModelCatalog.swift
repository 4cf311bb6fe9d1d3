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
/// Decoders hand it raw bytes; it allocates only the first time a model id is seen. A line's
/// model is looked up first in a small direct-mapped cache (a few loads and one inline compare:
/// a log alternates between a handful of models), then in the hash table.
public final class ModelCatalog {
    public private(set) var names: [String] = []
    /// Each id's bytes, kept apart from `names` so a compare touches no reference count.
    private var stored: [StoredBytes] = []
    private var byHash: [UInt64: [Int32]] = [:]
    /// Direct-mapped cache: `cacheSlots` ids (or -1) by a cheap hash of the bytes.
    private let cache: UnsafeMutablePointer<Int32>
    private static let cacheSlots = 64

    private struct StoredBytes {
        var base: UnsafeMutablePointer<UInt8>
        var count: Int
    }

    public init() {
        cache = UnsafeMutablePointer<Int32>.allocate(capacity: Self.cacheSlots)
        cache.initialize(repeating: -1, count: Self.cacheSlots)
    }

    deinit {
        for entry in stored { entry.base.deallocate() }
        cache.deallocate()
    }

    public var count: Int { names.count }

    public func name(_ ref: ModelRef) -> String { names[Int(ref.index)] }

    /// Interns a model id given as a string.
    public func intern(_ name: String) -> ModelRef {
        var utf8 = Array(name.utf8)
        return utf8.withUnsafeMutableBytes { intern(UnsafeRawBufferPointer($0)) }
    }

    /// Interns a model id given as raw UTF-8 bytes (unescaped).
    @inline(__always)
    public func intern(_ raw: UnsafeRawBufferPointer) -> ModelRef {
        let slot = Self.cacheSlot(raw)
        let cached = cache[slot]
        if cached >= 0, matches(Int(cached), raw) { return ModelRef(index: cached) }
        let ref = lookUp(raw)
        cache[slot] = ref.index
        return ref
    }

    /// The hash table's answer, adding the id when it is new.
    private func lookUp(_ raw: UnsafeRawBufferPointer) -> ModelRef {
        let hash = Self.fnv1a(raw)
        if let candidates = byHash[hash] {
            for candidate in candidates where matches(Int(candidate), raw) {
                return ModelRef(index: candidate)
            }
        }
        let index = Int32(names.count)
        let copy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(1, raw.count))
        if let source = raw.baseAddress { copy.initialize(from: source.assumingMemoryBound(to: UInt8.self), count: raw.count) }
        stored.append(StoredBytes(base: copy, count: raw.count))
        names.append(String(decoding: UnsafeBufferPointer(start: copy, count: raw.count), as: UTF8.self))
        byHash[hash, default: []].append(index)
        return ModelRef(index: index)
    }

    /// The cache slot of `raw`: its length and its first and last eight bytes, mixed.
    @inline(__always)
    private static func cacheSlot(_ raw: UnsafeRawBufferPointer) -> Int {
        let count = raw.count
        var key = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        if count >= 8, let base = raw.baseAddress {
            key ^= base.loadUnaligned(as: UInt64.self)
            key = (key ^ (key >> 29)) &* 0xBF58_476D_1CE4_E5B9
            key ^= base.loadUnaligned(fromByteOffset: count - 8, as: UInt64.self)
        } else {
            for byte in raw { key = (key ^ UInt64(byte)) &* 0x100_0000_01b3 }
        }
        key = (key ^ (key >> 32)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: key >> 58)  // 64 slots
    }

    @inline(__always)
    private func matches(_ index: Int, _ raw: UnsafeRawBufferPointer) -> Bool {
        let entry = stored[index]
        guard entry.count == raw.count else { return false }
        if raw.count == 0 { return true }
        return bytesEqual(entry.base, raw.baseAddress!.assumingMemoryBound(to: UInt8.self), raw.count)
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
