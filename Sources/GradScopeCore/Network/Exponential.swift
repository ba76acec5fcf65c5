/// e^x for x <= 0 as 2^k (1 + p), with plain arithmetic and bit operations only, so that
/// a loop over it vectorises (libm's `exp` and `expm1` are one call per element).
///
/// k = round(x / ln 2), r = x - k ln 2 (ln 2 split in two, Cody-Waite), |r| <= ln 2 / 2,
/// and p = e^r - 1 by its Taylor series to r^13 (truncation below 1e-17 relative);
/// 2^k is built from its exponent bits in two factors, so it stays exact down to 2^-1074.
/// Both e^x = 2^k + 2^k p and e^x - 1 = 2^k p + (2^k - 1) come out accurate to about an ulp.
@usableFromInline
enum Exponential {
    @inlinable @inline(__always)
    static func parts(_ x: Double) -> (scale: Double, p: Double) {
        let v = Swift.min(0, Swift.max(x, -1100))
        let shifter = 0x1.8p52  // adding and subtracting it rounds to the nearest integer
        let k = (v * 1.4426950408889634 + shifter) - shifter
        let r = (v - k * 0.693147180369123816490) - k * 1.90821492927058770002e-10
        var q = 1.0 / 6_227_020_800
        q = q * r + 1.0 / 479_001_600
        q = q * r + 1.0 / 39_916_800
        q = q * r + 1.0 / 3_628_800
        q = q * r + 1.0 / 362_880
        q = q * r + 1.0 / 40320
        q = q * r + 1.0 / 5040
        q = q * r + 1.0 / 720
        q = q * r + 1.0 / 120
        q = q * r + 1.0 / 24
        q = q * r + 1.0 / 6
        q = q * r + 0.5
        let p = r + r * (r * q)
        let half = (k * 0.5).rounded(.down)
        return (powerOfTwo(half) * powerOfTwo(k - half), p)
    }

    /// 2^n for an integral n in -1022 ... 1023, from the exponent bits.
    @inlinable @inline(__always)
    static func powerOfTwo(_ n: Double) -> Double {
        Double(bitPattern: (n + (0x1p52 + 1023)).bitPattern << 52)
    }
}
