import RatetopUI

/// Each role has a colour pair of its own (pair 0 is the terminal default).
extension ColorRole {
    var colorPair: Int16 { Int16(rawValue) + 1 }
}
