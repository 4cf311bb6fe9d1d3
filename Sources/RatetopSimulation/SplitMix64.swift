/// A small, fast, seeded pseudo-random generator (Steele, Lea and Flood's SplitMix64).
///
/// Everything the simulation draws comes from one of these, so a run is reproducible from its
/// seed on every platform and Swift version. The distributions below are implemented here
/// rather than with the standard library's `random(in:using:)`, whose algorithms are not
/// promised to stay the same between releases.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A generator for an independent sub-stream, derived from this one's next output and `salt`.
    public mutating func split(salt: UInt64 = 0) -> SplitMix64 {
        SplitMix64(seed: next() ^ (salt &* 0xD1B5_4A32_D192_ED03))
    }

    /// Uniform in [0, 1), 53 bits of precision.
    public mutating func unit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * unit()
    }

    /// Uniform integer in `0..<bound` (bound > 0), without modulo bias worth worrying about
    /// (Lemire's multiply-shift).
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0, "bound must be positive")
        let product = next().multipliedFullWidth(by: UInt64(bound))
        return Int(product.high)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        unit() < p
    }

    /// Exponentially distributed with the given rate (mean 1/rate).
    public mutating func exponential(rate: Double) -> Double {
        -MathFunctions.log(1 - unit()) / rate
    }

    /// Standard normal (Box–Muller).
    public mutating func normal() -> Double {
        let u1 = 1 - unit() // (0, 1]
        let u2 = unit()
        return MathFunctions.squareRoot(-2 * MathFunctions.log(u1)) * MathFunctions.cos(2 * Double.pi * u2)
    }

    /// Log-normal with the given median and log-space standard deviation `sigma`.
    public mutating func logNormal(median: Double, sigma: Double) -> Double {
        median * MathFunctions.exp(sigma * normal())
    }
}
