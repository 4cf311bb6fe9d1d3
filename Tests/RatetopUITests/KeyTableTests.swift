import RatetopUI
import Testing
import RatetopTestSupport

@Suite(.tags(.unit)) struct KeyTableTests {
    @Test func everyBindingAppearsInTheHelpOverlay() {
        var model = DashboardFixtures.model()
        model.showHelp = true
        // 80×24 and 80×23 in one column; a short, wide screen in two.
        for (width, height) in [(80, 24), (80, 23), (120, 16)] {
            for glyphs in [Glyphs.unicode, .ascii] {
                let text = DashboardFixtures.render(model, width: width, height: height, glyphs: glyphs).lines()
                for binding in KeyTable.bindings {
                    let keys = binding.keyText(glyphs: glyphs)
                    #expect(text.contains { $0.contains(keys) && $0.contains(binding.label) },
                            "help overlay at \(width)x\(height) lacks \(keys) \(binding.label)")
                }
            }
        }
    }

    @Test func noControlKeysAndNoKeyBoundTwice() {
        var seen = Set<Key>()
        for binding in KeyTable.bindings {
            for key in binding.keys {
                #expect(!key.isControlCharacter, "\(binding.label) uses a control key")
                #expect(key != .character("\u{01}") && key != .character("\u{02}"))
                #expect(seen.insert(key).inserted, "\(key) is bound twice")
            }
        }
    }

    @Test func dispatch() {
        let live = DashboardModel.Mode.live
        let replay = DashboardModel.Mode.replay(speed: 1, paused: false, finished: false)
        #expect(KeyTable.action(for: .character("q"), mode: live) == .quit)
        #expect(KeyTable.action(for: .character("?"), mode: live) == .help)
        #expect(KeyTable.action(for: .function(1), mode: live) == .help)
        #expect(KeyTable.action(for: .interrupt, mode: replay) == .quit)
        #expect(KeyTable.action(for: .tab, mode: live) == .nextClass)
        #expect(KeyTable.action(for: .character("1"), mode: live) == .selectClass(0))
        #expect(KeyTable.action(for: .character("9"), mode: live) == .selectClass(8))
        #expect(KeyTable.action(for: .character("w"), mode: live) == .graphWindow)
        #expect(KeyTable.action(for: .character("v"), mode: live) == .graphKind)
        #expect(KeyTable.action(for: .character("e"), mode: live) == .expand)
        #expect(KeyTable.action(for: .character(" "), mode: live) == nil)
        #expect(KeyTable.action(for: .character(" "), mode: replay) == .pause)
        #expect(KeyTable.action(for: .character("="), mode: replay) == .faster)
        #expect(KeyTable.action(for: .character("-"), mode: replay) == .slower)
        #expect(KeyTable.action(for: .left, mode: replay) == .seekBack)
        #expect(KeyTable.action(for: .right, mode: live) == nil)
        #expect(KeyTable.action(for: .character("x"), mode: live) == nil)
        #expect(KeyTable.action(for: .resize, mode: live) == nil)
    }

    @Test func cycles() {
        #expect(DashboardModel.nextGraphWindow(after: 1) == 5)
        #expect(DashboardModel.nextGraphWindow(after: 60) == 1)
        #expect(Panel.next(after: nil, hasAlerts: false) == .buckets)
        #expect(Panel.next(after: .drainers, hasAlerts: false) == nil)
        #expect(Panel.next(after: .drainers, hasAlerts: true) == .alerts)
    }
}
