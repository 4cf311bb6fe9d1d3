import RatetopUI
import CNcurses
import Testing

@testable import RatetopTerminal
import RatetopTestSupport

@Suite("Terminal values", .tags(.unit))
struct TerminalValueTests {
    @Test func noColorGivesMonochromeWithoutATerminal() {
        let capabilities = TerminalCapabilities.detect(
            codeset: "UTF-8", terminalHasColors: true, colors: 256, colorPairs: 65536,
            environment: environment(["NO_COLOR": "1"]))
        #expect(capabilities == TerminalCapabilities(unicode: true, colorMode: .monochrome, noColorRequested: true))
        #expect(TerminalPalette(mode: capabilities.colorMode).usesColor == false)
    }

    @Test(arguments: [
        (["NO_COLOR": ""], 256, 65536, true, TerminalColorMode.colors256),
        ([:], 256, 256, true, .colors256),
        ([:], 8, 64, true, .colors8),
        ([:], 16, 256, true, .colors8),
        ([:], 256, 4, true, .monochrome),
        ([:], 256, 256, false, .monochrome),
        ([:], 0, 0, true, .monochrome),
    ])
    func colorMode(variables: [String: String], colors: Int, pairs: Int, hasColors: Bool, expected: TerminalColorMode) {
        let capabilities = TerminalCapabilities.detect(
            codeset: "ANSI_X3.4-1968", terminalHasColors: hasColors, colors: colors, colorPairs: pairs,
            environment: environment(variables))
        #expect(capabilities.colorMode == expected)
        #expect(!capabilities.unicode)
    }

    @Test(arguments: [("UTF-8", true), ("utf8", true), ("UTF8", true), ("ANSI_X3.4-1968", false), ("ISO-8859-1", false), ("", false)])
    func utf8Codesets(codeset: String, expected: Bool) {
        #expect(TerminalCapabilities.isUTF8(codeset: codeset) == expected)
    }

    @Test func monochromePaletteUsesOnlyBoldAndReverse() {
        let palette = TerminalPalette(mode: .monochrome)
        for role in ColorRole.allCases {
            let style = palette.style(for: role)
            #expect(style.foreground == -1 && style.background == -1)
        }
        #expect(palette.style(for: .critical) == TerminalStyle(bold: true, reverse: true))
        #expect(palette.style(for: .selection).reverse)
        #expect(palette.style(for: .normal) == TerminalStyle())
    }

    @Test(arguments: [TerminalColorMode.colors8, .colors256])
    func colourPalettesTellRolesApart(mode: TerminalColorMode) {
        let palette = TerminalPalette(mode: mode)
        let styles = ColorRole.allCases.map { palette.style(for: $0) }
        #expect(Set(styles).count == styles.count)
        let limit: Int16 = mode == .colors8 ? 8 : 256
        for style in styles {
            #expect(style.foreground < limit && style.background < limit)
        }
    }

    @Test func keyDecoding() {
        let yes = Int32(CNcurses_KEY_CODE_YES)
        #expect(Key(cursesStatus: ERR, code: 0) == nil)
        #expect(Key(cursesStatus: OK, code: 0x71) == .character("q"))
        #expect(Key(cursesStatus: OK, code: 0x09) == .tab)
        #expect(Key(cursesStatus: OK, code: 0x0D) == .enter)
        #expect(Key(cursesStatus: OK, code: 0x0A) == .enter)
        #expect(Key(cursesStatus: OK, code: 0x1B) == .escape)
        #expect(Key(cursesStatus: OK, code: 0x03) == .interrupt)
        #expect(Key(cursesStatus: OK, code: 0x01) == nil)
        #expect(Key(cursesStatus: OK, code: 0x2581) == .character("▁"))
        #expect(Key(cursesStatus: yes, code: Int32(CNcurses_KEY_RESIZE)) == .resize)
        #expect(Key(cursesStatus: yes, code: Int32(CNcurses_KEY_BTAB)) == .backTab)
        #expect(Key(cursesStatus: yes, code: Int32(CNcurses_KEY_F0 + 12)) == .function(12))
        #expect(Key(cursesStatus: yes, code: Int32(CNcurses_KEY_F0)) == nil)
        #expect(Key(cursesStatus: yes, code: 0o777) == nil)
    }

    @Test func frameWritesClipAndPad() {
        var frame = TerminalFrame(width: 4, height: 2)
        frame.write("abcdef", x: 1, y: 1, role: .accent)
        #expect(frame.line(0) == "    ")
        #expect(frame.line(1) == " abc")
        #expect(frame[3, 1] == TerminalCell("c", role: .accent))
        #expect(frame[9, 9] == .blank)
        frame[9, 9] = TerminalCell("x")
        #expect(frame.cells.count == 8)
        let short = TerminalFrame(width: 2, height: 2, cells: [TerminalCell("a")])
        #expect(short.line(0) == "a " && short.line(1) == "  ")
    }
}
