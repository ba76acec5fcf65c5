/// Box-Muller on blocks of Philox output, written as plain scalar loops over spans so
/// that the compiler vectorises them (with `-target-cpu native`: AVX-512 or AVX2): the
/// ten Philox rounds for a block of counters, then one fused loop with a polynomial
/// log, a square root and a polynomial sine/cosine.
///
/// The polynomials (fdlibm's minimax coefficients for log, sin and cos) agree with libm
/// to a few units in the last place (tested), and they are gradscope's own: the numbers
/// do not depend on the C library. Their Horner steps are explicit fused multiply-adds
/// (`addingProduct`, rounded once): one instruction on the host CPU, a correctly rounded
/// libm `fma` call in a portable build, so both builds give the same bits.
enum Gaussian {
    /// Counters per block.
    static let block = 512

    /// Standard normal pairs times `scale` for counters 0 ..< pairs of `generator`: pair i
    /// fills `output[2i]` and `output[2i + 1]` (as far as `output` reaches).
    static func fill(_ output: inout [Double], from generator: Philox4x32, pairs: Int, scale: Double = 1) {
        var w0 = [UInt32](repeating: 0, count: block), w1 = w0, w2 = w0, w3 = w0
        var lastBlock = [Double](repeating: 0, count: 2 * block)
        for start in stride(from: 0, to: pairs, by: block) {
            philox(generator.key, first: start, &w0, &w1, &w2, &w3)
            let words = PhiloxWords(w0: w0, w1: w1, w2: w2, w3: w3)
            if output.count - 2 * start >= 2 * block {
                boxMuller(words, scale: scale, into: &output, at: 2 * start)
            } else {
                boxMuller(words, scale: scale, into: &lastBlock, at: 0)
                for i in (2 * start)..<output.count { output[i] = lastBlock[i - 2 * start] }
            }
        }
    }

    /// The four 32-bit output words of a block of Philox counters, one array per word.
    struct PhiloxWords {
        let w0, w1, w2, w3: [UInt32]
    }

    /// Ten Philox4x32 rounds for counters (first + i, (first + i) >> 32, 0, 0), one per word slot.
    /// The words sit in the low halves of 64-bit lanes: the products are 32 x 32 -> 64-bit
    /// multiplies (`vpmuludq`), and the junk in the high halves is masked or truncated away.
    @inline(__always)
    static func philox(
        _ key: (UInt32, UInt32), first: Int, _ word0: inout [UInt32], _ word1: inout [UInt32],
        _ word2: inout [UInt32], _ word3: inout [UInt32]
    ) {
        var w0 = word0.mutableSpan, w1 = word1.mutableSpan, w2 = word2.mutableSpan, w3 = word3.mutableSpan
        let count = min(w0.count, w1.count, w2.count, w3.count)
        let base = UInt64(UInt(bitPattern: first))
        for i in 0..<count {
            let counter = base &+ UInt64(UInt(bitPattern: i))
            var c0 = counter, c1 = counter >> 32, c2: UInt64 = 0, c3: UInt64 = 0
            var k0 = UInt64(key.0), k1 = UInt64(key.1)
            for round in 0..<10 {
                if round > 0 {
                    k0 &+= 0x9E37_79B9
                    k1 &+= 0xBB67_AE85
                }
                let p0 = 0xD251_1F53 &* (c0 & 0xFFFF_FFFF)
                let p1 = 0xCD9E_8D57 &* (c2 & 0xFFFF_FFFF)
                (c0, c1, c2, c3) = ((p1 >> 32) ^ c1 ^ k0, p1, (p0 >> 32) ^ c3 ^ k1, p0)
            }
            w0[i] = UInt32(truncatingIfNeeded: c0)
            w1[i] = UInt32(truncatingIfNeeded: c1)
            w2[i] = UInt32(truncatingIfNeeded: c2)
            w3[i] = UInt32(truncatingIfNeeded: c3)
        }
    }

    /// The 53-bit uniform (high << 21 + low >> 11) / 2^53 in [0, 1), the same number as
    /// `RandomStream.unit` of the 64-bit word high << 32 | low, from 32-bit conversions only.
    @inline(__always)
    static func unit(low: UInt32, high: UInt32) -> Double {
        Double(high) * 0x1p-32 + Double(low >> 11) * 0x1p-53
    }

    /// Box-Muller for each word slot i: u1 in (0, 1] from words 0-1, u2 in [0, 1) from words
    /// 2-3, r = sqrt(-2 ln u1); `output[offset + 2i]` = scale r cos 2 pi u2 and
    /// `output[offset + 2i + 1]` = scale r sin 2 pi u2.
    @inline(__always)
    static func boxMuller(_ words: PhiloxWords, scale: Double, into output: inout [Double], at offset: Int) {
        let w0 = words.w0.span, w1 = words.w1.span, w2 = words.w2.span, w3 = words.w3.span
        var out = output.mutableSpan
        let count = min(w0.count, w1.count, w2.count, w3.count, (out.count - offset) / 2)
        let root = 0.7071067811865476
        for i in 0..<count {
            let r = radius(1 - unit(low: w0[i], high: w1[i]))
            let (cosine, sine) = rotatedCosSin(4 * unit(low: w2[i], high: w3[i]))
            out[offset &+ 2 &* i] = (r * root) * cosine * scale
            out[offset &+ 2 &* i &+ 1] = (r * root) * sine * scale
        }
    }

    /// sqrt(-2 ln u) for u in (0, 1]: u = 2^e m with m in [sqrt(1/2), sqrt(2)), s = (m - 1)/(m + 1),
    /// ln m = 2s + s R(s^2) with fdlibm's degree-7 minimax R (error below 2^-58).
    @inline(__always)
    static func radius(_ u: Double) -> Double {
        let ln2High = 0.693147180369123816490, ln2Low = 1.90821492927058770002e-10
        let bits = u.bitPattern, fraction = bits & 0x000F_FFFF_FFFF_FFFF
        let big = fraction > 0x0006_A09E_667F_3BCD  // m > sqrt 2: halve m
        let m = Double(bitPattern: fraction | (big ? 0x3FE0_0000_0000_0000 : 0x3FF0_0000_0000_0000))
        let e = Double(Int32(truncatingIfNeeded: bits >> 52) &- (big ? 1022 : 1023))
        let s = (m - 1) / (m + 1), z = s * s
        var p = 1.479819860511658591e-01
        p = (1.531383769920937332e-01).addingProduct(p, z)
        p = (1.818357216161805012e-01).addingProduct(p, z)
        p = (2.222219843214978396e-01).addingProduct(p, z)
        p = (2.857142874366239149e-01).addingProduct(p, z)
        p = (3.999999999940941908e-01).addingProduct(p, z)
        p = (6.666666666666735130e-01).addingProduct(p, z)
        let log = e * ln2High + (e * ln2Low + (2 * s + s * (z * p)))
        return (-2 * log).squareRoot()
    }

    /// (cos, sin) of 2 pi u, given t = 4u in [0, 4), each times sqrt 2: t = q + f, and the angle
    /// pi/4 + q pi/2 + x with x = (f - 1/2) pi/2 in [-pi/4, pi/4]; fdlibm's sin and cos kernels for x,
    /// then the exact rotation by pi/4 + q pi/2 (the caller multiplies by 1/sqrt 2).
    @inline(__always)
    static func rotatedCosSin(_ t: Double) -> (Double, Double) {
        let q = t.rounded(.down)
        let x = (t - q - 0.5) * 1.5707963267948966, z = x * x
        var s = 1.58969099521155010221e-10
        s = (-2.50507602534068634195e-08).addingProduct(s, z)
        s = (2.75573137070700676789e-06).addingProduct(s, z)
        s = (-1.98412698298579493134e-04).addingProduct(s, z)
        s = (8.33333333332248946124e-03).addingProduct(s, z)
        s = (-1.66666666666666324348e-01).addingProduct(s, z)
        let sine = x + x * z * s
        var c = -1.13596475577881948265e-11
        c = (2.08757232129817482790e-09).addingProduct(c, z)
        c = (-2.75573143513906633035e-07).addingProduct(c, z)
        c = (2.48015872894767294178e-05).addingProduct(c, z)
        c = (-1.38888888888741095749e-03).addingProduct(c, z)
        c = (4.16666666666666019037e-02).addingProduct(c, z)
        let cosine = 1 - 0.5 * z + z * z * c
        let cosSign: Double = abs(q - 1.5) < 1 ? -1 : 1  // q = 1, 2
        let sinSign: Double = q >= 2 ? -1 : 1  // q = 2, 3
        return (cosSign * cosine - sinSign * sine, sinSign * cosine + cosSign * sine)
    }
}
