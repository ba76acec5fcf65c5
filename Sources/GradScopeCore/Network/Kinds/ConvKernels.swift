/// The geometry of a convolution: `channels` in and out, maps of `size` x `size` that keep their size
/// (stride 1), odd kernels of `kernel` x `kernel` taps, and the padding at the border.
///
/// Activations are stored position-major, one example's (y, x, channel) entries in one row of a
/// batch x features matrix, so that a row block of (example, position) rows is the left factor of the
/// convolution's GEMM. A patch's columns are ordered (channel, dy, dx), the row order of PyTorch's
/// `weight.reshape(c_out, c_in k^2)` transposed: K_l is the (c_in k^2) x c_out matrix a dense layer of
/// that fan-in would draw.
package struct ConvGeometry: Hashable, Sendable {
    package var channels: Int
    package var size: Int
    package var kernel: Int
    package var padding: Padding

    /// The taps on each side of the centre.
    var radius: Int { kernel / 2 }
    /// Positions per map.
    var positions: Int { size * size }
    /// Entries of one patch, c k^2: the rows of K.
    var patch: Int { channels * kernel * kernel }
    /// The centre tap's offset within a channel's k^2 block of a patch.
    var centre: Int { radius * kernel + radius }

    /// The map coordinate that tap `d` of position `p` reads, nil where it falls on zero padding.
    @inline(__always) func source(_ p: Int, _ d: Int) -> Int? {
        let q = p + d - radius
        if q >= 0, q < size { return q }
        return padding == .circular ? (q + size) % size : nil
    }
}

/// What lies beyond a map's border: the map wrapped around, or zeros.
package enum Padding: String, CaseIterable, Codable, Sendable {
    case circular, zero
}

/// im2col and its adjoint, the two data movements of a convolution as GEMMs.
enum ConvKernels {
    /// The patches of every (example, y, x) of `h` (examples x positions·channels, position-major): row
    /// (b, y, x), column (c, dy, dx) holds h[b, y + dy - r, x + dx - r, c] (wrapped, or 0 on zero padding).
    static func patches<S: BLASScalar>(_ h: Matrix<S>, _ g: ConvGeometry) -> Matrix<S> {
        var p = Matrix<S>(rows: h.rows * g.positions, columns: g.patch)
        forEachTap(examples: h.rows, g) { map, patch in p.elements[patch] = h.elements[map] }
        return p
    }

    /// The adjoint of `patches`: each entry of `dp` added back to the map entry it was read from, into
    /// `out` (examples x positions·channels).
    static func accumulate<S: BLASScalar>(_ dp: Matrix<S>, _ g: ConvGeometry, into out: inout Matrix<S>) {
        for i in out.elements.indices { out.elements[i] = 0 }
        forEachTap(examples: out.rows, g) { map, patch in out.elements[map] += dp.elements[patch] }
    }

    /// Calls `body(map, patch)` for every (example, position, tap, channel) whose tap reads the map rather
    /// than zero padding: `map` indexes the examples x positions·channels map, `patch` the patches.
    @inline(__always) static func forEachTap(examples: Int, _ g: ConvGeometry, _ body: (Int, Int) -> Void) {
        let (n, k, c) = (g.size, g.kernel, g.channels)
        for b in 0..<examples {
            for y in 0..<n {
                for x in 0..<n {
                    let row = ((b * n + y) * n + x) * g.patch
                    for dy in 0..<k {
                        guard let yy = g.source(y, dy) else { continue }
                        for dx in 0..<k {
                            guard let xx = g.source(x, dx) else { continue }
                            let map = ((b * n + yy) * n + xx) * c, patch = row + dy * k + dx
                            for channel in 0..<c { body(map + channel, patch + channel * k * k) }
                        }
                    }
                }
            }
        }
    }
}

extension Matrix {
    /// The same entries read as a rows x columns matrix (rows x columns must be the count).
    consuming func reshaped(rows: Int, columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns, exactly: elements)
    }
}
