import Testing
@testable import RatetopCore
import RatetopTestSupport

@Suite(.tags(.unit)) struct ModelCatalogTests {
    static func intern(_ catalog: ModelCatalog, _ name: String) -> ModelRef {
        var bytes = Array(name.utf8)
        return bytes.withUnsafeMutableBytes { catalog.intern(UnsafeRawBufferPointer($0)) }
    }

    @Test func idsAreNumberedInFirstSeenOrderAndStayTheSame() {
        let catalog = ModelCatalog()
        let names = ["claude-sonnet-4-6", "claude-haiku-4-5-20251001", "opus", "", "claude-sonnet-4-6x", "x"]
        for (index, name) in names.enumerated() { #expect(Self.intern(catalog, name).index == Int32(index)) }
        // Interleaved, raw and as strings: the same references, nothing added.
        for round in 0..<3 {
            for (index, name) in names.enumerated().reversed() {
                let ref = round == 1 ? catalog.intern(name) : Self.intern(catalog, name)
                #expect(ref.index == Int32(index))
                #expect(catalog.name(ref) == name)
            }
        }
        #expect(catalog.count == names.count)
    }

    /// Names that agree in length and in their first and last eight bytes share a cache slot:
    /// each must still get its own id, whatever the order of the lookups.
    @Test func namesThatShareACacheSlotKeepTheirOwnIds() {
        let catalog = ModelCatalog()
        let names = (0..<300).map { "claude-model-\(String(1000 + $0))-202511010" }
        for (index, name) in names.enumerated() { #expect(Self.intern(catalog, name).index == Int32(index)) }
        for step in [1, 7, 299] {
            var position = 0
            for _ in 0..<names.count {
                position = (position + step) % names.count
                #expect(Self.intern(catalog, names[position]).index == Int32(position))
            }
        }
        #expect(catalog.count == names.count)
        #expect(catalog.names == names)
    }

    @Test func shortNamesDifferingInOneByteAreApart() {
        let catalog = ModelCatalog()
        let names = ["a", "b", "ab", "ba", "abcdefg", "abcdefh", "abcdefgh", "abcdefgi"]
        for _ in 0..<2 {
            for (index, name) in names.enumerated() { #expect(Self.intern(catalog, name).index == Int32(index)) }
        }
    }
}
