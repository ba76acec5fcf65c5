/// Philox4x32-10 (Salmon et al. 2011, "Parallel random numbers: as easy as 1, 2, 3"):
/// a counter-based generator. Block i is a pure function of (key, i), so any
/// element of any stream can be computed in any order, on any thread.
package struct Philox4x32: Sendable, Equatable {
    /// The 64-bit key, as two 32-bit words.
    package let key: (UInt32, UInt32)

    /// A generator with the given key words.
    package init(key: (UInt32, UInt32)) { self.key = key }

    /// A generator keyed by a 64-bit value (low word first).
    package init(key: UInt64) { self.key = (UInt32(truncatingIfNeeded: key), UInt32(truncatingIfNeeded: key >> 32)) }

    package static func == (a: Philox4x32, b: Philox4x32) -> Bool { a.key == b.key }

    /// The 128-bit output block for a 128-bit counter: ten Philox rounds.
    @inlinable
    package func block(_ counter: (UInt32, UInt32, UInt32, UInt32)) -> (UInt32, UInt32, UInt32, UInt32) {
        var c = counter
        var k = key
        for round in 0..<10 {
            if round > 0 {
                k.0 &+= 0x9E37_79B9
                k.1 &+= 0xBB67_AE85
            }
            let p0 = UInt64(0xD251_1F53) &* UInt64(c.0)
            let p1 = UInt64(0xCD9E_8D57) &* UInt64(c.2)
            c = (
                UInt32(truncatingIfNeeded: p1 >> 32) ^ c.1 ^ k.0, UInt32(truncatingIfNeeded: p1),
                UInt32(truncatingIfNeeded: p0 >> 32) ^ c.3 ^ k.1, UInt32(truncatingIfNeeded: p0)
            )
        }
        return c
    }

    /// Block `index` (counter words index, index >> 32, lane, 0) as two 64-bit words.
    @inlinable
    package func words(_ index: Int, lane: UInt32 = 0) -> (UInt64, UInt64) {
        let i = UInt64(UInt(bitPattern: index))
        let b = block((UInt32(truncatingIfNeeded: i), UInt32(truncatingIfNeeded: i >> 32), lane, 0))
        return (UInt64(b.0) | UInt64(b.1) << 32, UInt64(b.2) | UInt64(b.3) << 32)
    }
}
