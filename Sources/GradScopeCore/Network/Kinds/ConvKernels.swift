/// The geometry of a convolution: `inputChannels` in, `channels` out, maps of `size` x `size` that keep
/// their size (stride 1), odd kernels of `kernel` x `kernel` taps, and the padding at the border.
///
/// Activations are stored position-major, one example's (y, x, channel) entries in one row of a
/// batch x features matrix, so that a row block of (example, position) rows is the left factor of the
/// convolution's GEMM. K_l's rows are ordered (channel, dy, dx), the row order of PyTorch's
/// `weight.reshape(c_out, c_in k^2)` transposed: K_l is the (c_in k^2) x c_out matrix a dense layer of
/// that fan-in would draw (the products read it permuted to the patches' tap-major order, `ConvKernels`).
package struct ConvGeometry: Hashable, Sendable {
    package var channels: Int
    package var size: Int
    package var kernel: Int
    package var padding: Padding
    /// c_in: `channels` but in layer 1, which reads the input's c_0.
    package var inputChannels: Int

    package init(channels: Int, size: Int, kernel: Int, padding: Padding, inputChannels: Int? = nil) {
        (self.channels, self.size, self.kernel, self.padding) = (channels, size, kernel, padding)
        self.inputChannels = inputChannels ?? channels
    }

    /// The same convolution reading maps of `columns` / n^2 channels (layer 1 reads c_0, the others c).
    func reading(_ columns: Int) -> ConvGeometry {
        var g = self
        g.inputChannels = columns / positions
        return g
    }

    /// The taps on each side of the centre.
    var radius: Int { kernel / 2 }
    /// Positions per map.
    var positions: Int { size * size }
    /// Entries of one patch, c_in k^2: the rows of K.
    var patch: Int { inputChannels * kernel * kernel }

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

/// im2col, the data movement that makes a convolution a GEMM: of H_{l-1} for Z = P K + b and dK = P^T D, of D
/// for the adjoint G_{l-1} = patches(D) K'. The patches are tap-major, columns (dy, dx, channel), so that the k
/// taps of one kernel row copy k c contiguous entries; K is kept in the channel-major row order (channel, dy, dx)
/// of the weights and permuted to tap-major where a product reads it.
enum ConvKernels {
    /// The patches of every (example, y, x) of `h` (examples x positions·channels, position-major): row
    /// (b, y, x), column (dy, dx, c) holds h[b, y + dy - r, x + dx - r, c] (wrapped, or 0 on zero padding).
    static func patches<S: BLASScalar>(_ h: Matrix<S>, _ g: ConvGeometry) -> Matrix<S> {
        var p = Matrix<S>.empty
        patches(h, g, into: &p)
        return p
    }

    /// `patches` into `p`, reusing its storage when it has the shape already: the entries that zero padding
    /// leaves out are never written, so they stay the zeros of its allocation.
    static func patches<S: BLASScalar>(
        _ h: Matrix<S>, _ g: ConvGeometry, into p: inout Matrix<S>, moves: [BlockMove]? = nil
    ) {
        if p.rows != h.rows * g.positions || p.columns != g.patch {
            p = Matrix(rows: h.rows * g.positions, columns: g.patch)
        }
        S.move(moves ?? tapMoves(examples: h.rows, g), from: h.elements, into: &p.elements)
    }

    /// The block moves of im2col, from the map (examples x positions·channels) into the patches, for each
    /// example, row y and kernel row dy: the interior positions x in [r, n - r), whose k taps read k
    /// consecutive map positions, k c contiguous entries each, in one move; then each border position's runs
    /// of taps that read consecutive positions (circular padding wraps them; zero padding leaves them out).
    static func tapMoves(examples: Int, _ g: ConvGeometry) -> [BlockMove] {
        let (n, k, c, r) = (g.size, g.kernel, g.inputChannels, g.radius)
        let border = Array(0..<r) + Array((n - r)..<n)  // kernels are odd and at most n wide: n - r > r
        var moves = [BlockMove]()
        moves.reserveCapacity(examples * n * k * (1 + 2 * border.count))
        for b in 0..<examples {
            for y in 0..<n {
                for dy in 0..<k {
                    guard let yy = g.source(y, dy) else { continue }
                    let (from, to) = ((b * n + yy) * n * c, (b * n + y) * n * g.patch + dy * k * c)
                    moves.append(
                        BlockMove(
                            source: from, sourceStride: c, destination: to + r * g.patch, destinationStride: g.patch,
                            rows: n - 2 * r, columns: k * c))
                    for x in border {
                        for run in tapRuns(x, g) {
                            moves.append(
                                BlockMove(
                                    source: from + run.source * c, sourceStride: 0,
                                    destination: to + x * g.patch + run.firstTap * c, destinationStride: 0, rows: 1,
                                    columns: run.taps * c))
                        }
                    }
                }
            }
        }
        return moves
    }

    /// The taps dx of position `x` as runs that read consecutive map positions: (first tap, map position,
    /// taps); the taps that fall on zero padding are left out.
    private static func tapRuns(_ x: Int, _ g: ConvGeometry) -> [(firstTap: Int, source: Int, taps: Int)] {
        var runs = [(firstTap: Int, source: Int, taps: Int)]()
        for dx in 0..<g.kernel {
            guard let xx = g.source(x, dx) else { continue }
            if let last = runs.last, last.firstTap + last.taps == dx, last.source + last.taps == xx {
                runs[runs.count - 1].taps += 1
            } else {
                runs.append((dx, xx, 1))
            }
        }
        return runs
    }

    /// The matrix that maps a delta's patches to the gradient of the layer's input: the adjoint of a stride-1
    /// convolution is the convolution with the flipped kernel, so G_{l-1} = patches(D) K' with K' the
    /// (k^2 c_out) x c_in matrix K'[(t', co), ci] = K[(ci, k^2 - 1 - t'), co] (t' a tap, tap-major rows).
    static func adjointKernel<S: BLASScalar>(_ k: Matrix<S>, _ g: ConvGeometry) -> Matrix<S> {
        let (taps, inputs, outputs) = (g.kernel * g.kernel, g.inputChannels, k.columns)
        var out = Matrix<S>(rows: taps * outputs, columns: inputs)
        for ci in 0..<inputs {
            for tap in 0..<taps {
                let (row, flipped) = ((ci * taps + tap) * outputs, (taps - 1 - tap) * outputs)
                for co in 0..<outputs { out.elements[(flipped + co) * inputs + ci] = k.elements[row + co] }
            }
        }
        return out
    }

    /// K (or dK) with rows (channel, tap) -> rows (tap, channel), the order of the patches' columns.
    static func tapMajor<S: BLASScalar>(_ m: Matrix<S>, _ g: ConvGeometry) -> Matrix<S> {
        permuteRows(m, g, toTapMajor: true)
    }

    /// The inverse of `tapMajor`: rows (tap, channel) -> rows (channel, tap), the weights' order.
    static func channelMajor<S: BLASScalar>(_ m: Matrix<S>, _ g: ConvGeometry) -> Matrix<S> {
        permuteRows(m, g, toTapMajor: false)
    }

    private static func permuteRows<S: BLASScalar>(_ m: Matrix<S>, _ g: ConvGeometry, toTapMajor: Bool) -> Matrix<S> {
        let (taps, c, columns) = (g.kernel * g.kernel, m.rows / (g.kernel * g.kernel), m.columns)
        var out = Matrix<S>(rows: m.rows, columns: columns)
        for channel in 0..<c {
            for tap in 0..<taps {
                let (channelRow, tapRow) = (channel * taps + tap, tap * c + channel)
                let (from, to) = toTapMajor ? (channelRow, tapRow) : (tapRow, channelRow)
                for j in 0..<columns { out.elements[to * columns + j] = m.elements[from * columns + j] }
            }
        }
        return out
    }
}

extension Matrix {
    /// The same entries read as a rows x columns matrix (rows x columns must be the count).
    consuming func reshaped(rows: Int, columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns, exactly: elements)
    }
}
