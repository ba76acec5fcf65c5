import RealModule

/// One named, seeded stream of random numbers: a Philox key derived from the
/// seed and a list of identifiers (what the numbers are for, their layer and shape).
///
/// Two streams with the same identifiers produce the same numbers, whatever else
/// differs between the runs that ask for them: this is how gradscope implements
/// common random numbers.
package struct RandomStream: Sendable, Equatable {
    /// The generator, keyed by (seed, identifiers).
    package let generator: Philox4x32

    /// The stream named `purpose` with further identifiers, for `seed`.
    package init(seed: Int, purpose: String, _ identifiers: Int...) {
        var key = RandomStream.mix(UInt64(UInt(bitPattern: seed)) ^ 0x6772_6164_7363_6F70)  // "gradscop"
        key = RandomStream.mix(key ^ RandomStream.fnv1a(purpose))
        for id in identifiers {
            key = RandomStream.mix(key ^ UInt64(UInt(bitPattern: id)) &* 0x9E37_79B9_7F4A_7C15)
        }
        generator = Philox4x32(key: key)
    }

    /// `count` independent uniform numbers in [0, 1), 53 random bits each.
    package func uniform(count: Int) -> [Double] {
        var result = [Double](repeating: 0, count: count)
        for pair in 0..<((count + 1) / 2) {
            let (a, b) = generator.words(pair)
            result[2 * pair] = RandomStream.unit(a)
            if 2 * pair + 1 < count { result[2 * pair + 1] = RandomStream.unit(b) }
        }
        return result
    }

    /// `count` independent standard normal numbers times `scale` (N(0, scale^2)): Box-Muller
    /// on Philox blocks, pair i (elements 2i and 2i + 1) from counter i. See `Gaussian` for
    /// the vectorised kernel; `normal(count: n, scale: s)[i]` equals `normal(count: n)[i] * s`.
    package func normal(count: Int, scale: Double = 1) -> [Double] {
        var result = [Double](repeating: 0, count: count)
        fillNormal(&result, scale: scale)
        return result
    }

    /// Overwrites `values` with `normal(count: values.count, scale: scale)`, reusing its storage
    /// (no allocation when `values` is uniquely referenced).
    package func fillNormal(_ values: inout [Double], scale: Double = 1) {
        Gaussian.fill(&values, from: generator, pairs: (values.count + 1) / 2, scale: scale)
    }

    /// `count` standard normal numbers conditioned on |z| <= `bound` (rejection
    /// sampling; element i tries the normal pairs of its own sub-counter in turn).
    package func truncatedNormal(count: Int, bound: Double = 2) -> [Double] {
        precondition(bound > 0.5, "truncatedNormal: bound \(bound) too small for rejection sampling")
        var result = [Double](repeating: 0, count: count)
        for i in 0..<count {
            var attempt: UInt32 = 0
            while true {
                let (z0, z1) = RandomStream.boxMuller(generator.words(i, lane: attempt &+ 1))
                if Swift.abs(z0) <= bound {
                    result[i] = z0
                    break
                }
                if Swift.abs(z1) <= bound {
                    result[i] = z1
                    break
                }
                attempt &+= 1
            }
        }
        return result
    }

    /// A uniform number in [0, 1) from the top 53 bits of a word.
    @inlinable
    static func unit(_ word: UInt64) -> Double {
        Double(word >> 11) * 0x1p-53
    }

    /// Two independent N(0, 1) numbers from two words:
    /// r = sqrt(-2 ln u1), (r cos 2 pi u2, r sin 2 pi u2), with u1 in (0, 1].
    @inlinable
    static func boxMuller(_ words: (UInt64, UInt64)) -> (Double, Double) {
        let u1 = 1 - unit(words.0)
        let u2 = unit(words.1)
        let r = (-2 * Double.log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        return (r * Double.cos(theta), r * Double.sin(theta))
    }

    /// SplitMix64's finaliser: a bijective 64-bit mixer.
    package static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// 64-bit FNV-1a of a string's UTF-8 bytes: a stable name hash.
    package static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3
        }
        return hash
    }
}

extension RandomStream {
    /// A bias vector b of `width` units, b_j ~ N(0, std^2), from the stream (seed, "bias", `stream`, width):
    /// the draws of every network kind's biases (a layer, or a gate of a recurrent cell); zeros when std = 0.
    package static func bias(seed: Int, stream: Int, width: Int, std: Double) -> [Double] {
        guard std > 0 else { return [Double](repeating: 0, count: width) }
        return RandomStream(seed: seed, purpose: "bias", stream, width).normal(count: width).map { $0 * std }
    }
}
