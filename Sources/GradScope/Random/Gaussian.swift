/// Box-Muller on blocks of Philox output, written as plain loops over arrays so the
/// compiler vectorises them (with `-target-cpu`: AVX2/AVX-512): the Philox rounds for a
/// block of counters, then polynomial log, square root and sine/cosine.
///
/// The polynomials are accurate to a few units in the last place (tested against
/// libm), and they are gradscope's own: the numbers do not depend on the C library.
enum Gaussian {
    /// Counters per block.
    static let block = 512

    /// Standard normal pairs for counters 0 ..< pairs of `generator`: pair i fills
    /// `output[2i]` and `output[2i + 1]` (as far as `output` reaches).
    static func fill(_ output: inout [Double], from generator: Philox4x32, pairs: Int) {
        // Every loop runs over whole blocks (extra counters are computed and dropped), so
        // indices never exceed the arrays' counts and the bounds checks fold away.
        var words = (
            [UInt32](repeating: 0, count: block), [UInt32](repeating: 0, count: block),
            [UInt32](repeating: 0, count: block), [UInt32](repeating: 0, count: block))
        var radius = [Double](repeating: 0, count: block), angle = [Double](repeating: 0, count: block)
        var pairsOut = [Double](repeating: 0, count: 2 * block)
        for start in stride(from: 0, to: pairs, by: block) {
            philox(generator.key, first: start, &words.0, &words.1, &words.2, &words.3)
            uniforms(words, &radius, &angle)
            logRadius(&radius)
            sinCos(radius, angle, &pairsOut)
            let count = min(2 * block, output.count - 2 * start)
            output.replaceSubrange((2 * start)..<(2 * start + count), with: pairsOut.prefix(count))
        }
    }

    /// Ten Philox4x32 rounds for counters (first + i, (first + i) >> 32, 0, 0), i < block.
    @inline(__always)
    static func philox(_ key: (UInt32, UInt32), first: Int,
                       _ c0: inout [UInt32], _ c1: inout [UInt32], _ c2: inout [UInt32], _ c3: inout [UInt32]) {
        let count = min(c0.count, c1.count, c2.count, c3.count)
        for i in 0..<count {
            let counter = UInt64(first + i)
            c0[i] = UInt32(truncatingIfNeeded: counter)
            c1[i] = UInt32(truncatingIfNeeded: counter >> 32)
            c2[i] = 0
            c3[i] = 0
        }
        var k = key
        for round in 0..<10 {
            if round > 0 {
                k.0 &+= 0x9E37_79B9
                k.1 &+= 0xBB67_AE85
            }
            let (k0, k1) = k
            for i in 0..<count {
                let p0 = UInt64(0xD251_1F53) &* UInt64(c0[i])
                let p1 = UInt64(0xCD9E_8D57) &* UInt64(c2[i])
                let n0 = UInt32(truncatingIfNeeded: p1 >> 32) ^ c1[i] ^ k0
                let n2 = UInt32(truncatingIfNeeded: p0 >> 32) ^ c3[i] ^ k1
                c1[i] = UInt32(truncatingIfNeeded: p1)
                c3[i] = UInt32(truncatingIfNeeded: p0)
                c0[i] = n0
                c2[i] = n2
            }
        }
    }

    /// u1 in (0, 1] from words 0-1 (into `radius`), u2 in [0, 1) from words 2-3 (into `angle`).
    @inline(__always)
    static func uniforms(_ w: ([UInt32], [UInt32], [UInt32], [UInt32]), _ radius: inout [Double], _ angle: inout [Double]) {
        let n = min(w.0.count, w.1.count, w.2.count, w.3.count, radius.count, angle.count)
        for i in 0..<n {
            let a = UInt64(w.0[i]) | UInt64(w.1[i]) << 32
            let b = UInt64(w.2[i]) | UInt64(w.3[i]) << 32
            radius[i] = 1 - Double(a >> 11) * 0x1p-53
            angle[i] = Double(b >> 11) * 0x1p-53
        }
    }

    typealias Lanes = SIMD8<Double>

    /// radius <- sqrt(-2 ln radius), ln by range reduction to [sqrt(1/2), sqrt(2)) and
    /// the atanh series ln m = 2 (s + s^3/3 + ... + s^21/21), s = (m - 1)/(m + 1);
    /// eight lanes at a time (the block size is a multiple of 8).
    @inline(__always)
    static func logRadius(_ radius: inout [Double]) {
        let ln2High = 0.693147180369123816490, ln2Low = 1.90821492927058770002e-10
        for start in stride(from: 0, to: radius.count - 7, by: 8) {
            var u = Lanes()
            for k in 0..<8 { u[k] = radius[start + k] }
            let bits = SIMD8<UInt64>(truncatingIfNeeded: unsafeBitCast(u, to: SIMD8<Int64>.self))
            var e = Lanes(SIMD8<Int64>(truncatingIfNeeded: (bits &>> 52) & 0x7FF) &- 1023)
            var m = unsafeBitCast((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000, to: Lanes.self)
            let big = m .> 1.4142135623730951
            m.replace(with: m * 0.5, where: big)
            e.replace(with: e + 1, where: big)
            let s = (m - 1) / (m + 1), z = s * s
            var p = Lanes(repeating: 1.0 / 21)
            p = p * z + 1.0 / 19; p = p * z + 1.0 / 17; p = p * z + 1.0 / 15; p = p * z + 1.0 / 13
            p = p * z + 1.0 / 11; p = p * z + 1.0 / 9; p = p * z + 1.0 / 7; p = p * z + 1.0 / 5
            p = p * z + 1.0 / 3
            let logM = 2 * s + 2 * s * z * p
            let log = e * ln2High + (e * ln2Low + logM)
            let r = (-2 * log).squareRoot()
            for k in 0..<8 { radius[start + k] = r[k] }
        }
    }

    /// (r cos 2 pi u, r sin 2 pi u): 4u = q + f, angle = pi/4 + q pi/2 + (f - 1/2) pi/2, with
    /// Taylor polynomials on |x| <= pi/4 and the exact rotation by pi/4 + q pi/2; eight lanes at a time.
    @inline(__always)
    static func sinCos(_ radius: [Double], _ angle: [Double], _ out: inout [Double]) {
        let halfPi = 1.5707963267948966, root = 0.7071067811865476
        let n = min(radius.count, angle.count, out.count / 2)
        for start in stride(from: 0, to: n - 7, by: 8) {
            var u = Lanes(), r = Lanes()
            for k in 0..<8 { (u[k], r[k]) = (angle[start + k], radius[start + k]) }
            let t = 4 * u
            let q = t.rounded(.down)
            let x = (t - q - 0.5) * halfPi, z = x * x
            var s = Lanes(repeating: -1.0 / 1_307_674_368_000)
            s = s * z + 1.0 / 6_227_020_800; s = s * z - 1.0 / 39_916_800; s = s * z + 1.0 / 362_880
            s = s * z - 1.0 / 5040; s = s * z + 1.0 / 120; s = s * z - 1.0 / 6
            let sine = x + x * z * s
            var c = Lanes(repeating: 1.0 / 20_922_789_888_000)
            c = c * z - 1.0 / 87_178_291_200; c = c * z + 1.0 / 479_001_600; c = c * z - 1.0 / 3_628_800
            c = c * z + 1.0 / 40320; c = c * z - 1.0 / 720; c = c * z + 1.0 / 24; c = c * z - 0.5
            let cosine = 1 + z * c
            var cosSign = Lanes(repeating: 1), sinSign = Lanes(repeating: 1)
            cosSign.replace(with: -1, where: (q .== 1) .| (q .== 2))
            sinSign.replace(with: -1, where: q .>= 2)
            let scaled = r * root
            let cosines = scaled * (cosSign * cosine - sinSign * sine)
            let sines = scaled * (sinSign * cosine + cosSign * sine)
            for k in 0..<8 {
                out[2 * (start + k)] = cosines[k]
                out[2 * (start + k) + 1] = sines[k]
            }
        }
    }
}
