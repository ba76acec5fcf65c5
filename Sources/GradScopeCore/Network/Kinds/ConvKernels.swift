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

/// im2col and its adjoint, the two data movements of a convolution as GEMMs. The patches are tap-major,
/// columns (dy, dx, channel), so that each tap copies one position's c contiguous channels; K is kept in the
/// channel-major row order (channel, dy, dx) of the weights and permuted to tap-major where a product reads it.
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
        let moves = moves ?? tapMoves(examples: h.rows, g)
        S.move(moves, columns: g.inputChannels, from: h.elements, into: &p.elements, adding: false)
    }

    /// The adjoint of `patches`: each entry of `dp` added back to the map entry it was read from, into
    /// `out` (examples x positions·channels).
    static func accumulate<S: BLASScalar>(
        _ dp: Matrix<S>, _ g: ConvGeometry, into out: inout Matrix<S>, moves: [BlockMove]? = nil
    ) {
        for i in out.elements.indices { out.elements[i] = 0 }
        let moves = moves ?? adjointMoves(examples: out.rows, g)
        S.move(moves, columns: g.inputChannels, from: dp.elements, into: &out.elements, adding: true)
    }

    /// `tapMoves` reversed: from the patches back into the map.
    static func adjointMoves(examples: Int, _ g: ConvGeometry) -> [BlockMove] {
        tapMoves(examples: examples, g).map {
            BlockMove(
                source: $0.destination, sourceStride: $0.destinationStride, destination: $0.source,
                destinationStride: $0.sourceStride, rows: $0.rows)
        }
    }

    /// The block moves of im2col, from the map (examples x positions·channels) into the patches: for each
    /// example, row y and tap (dy, dx), the positions x whose tap reads one run of consecutive map positions
    /// (up to three runs: the wrapped left border, the middle, the wrapped right border; zero padding keeps the
    /// middle only), c channels per position.
    static func tapMoves(examples: Int, _ g: ConvGeometry) -> [BlockMove] {
        let (n, k, c, r) = (g.size, g.kernel, g.inputChannels, g.radius)
        var moves = [BlockMove]()
        moves.reserveCapacity(examples * n * k * k * 3)
        for b in 0..<examples {
            for y in 0..<n {
                for dy in 0..<k {
                    guard let yy = g.source(y, dy) else { continue }
                    for dx in 0..<k {
                        // x reads xx = x + dx - r: in the map for x in [r - dx, n + r - dx)
                        let (low, high) = (max(0, r - dx), min(n, n + r - dx))
                        var runs = [(first: low, count: high - low, shift: 0)]
                        if g.padding == .circular {
                            runs += [(0, low, n), (high, n - high, -n)]
                        }
                        for run in runs where run.count > 0 {
                            let xx = run.first + dx - r + run.shift
                            moves.append(
                                BlockMove(
                                    source: ((b * n + yy) * n + xx) * c, sourceStride: c,
                                    destination: ((b * n + y) * n + run.first) * g.patch + (dy * k + dx) * c,
                                    destinationStride: g.patch, rows: run.count))
                        }
                    }
                }
            }
        }
        return moves
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
    /// Makes this a rows x columns matrix, keeping its storage when the shape is already that.
    mutating func reshape(rows: Int, columns: Int) {
        if self.rows != rows || self.columns != columns { self = Matrix(rows: rows, columns: columns) }
    }

    /// The same entries read as a rows x columns matrix (rows x columns must be the count).
    consuming func reshaped(rows: Int, columns: Int) -> Matrix {
        Matrix(rows: rows, columns: columns, exactly: elements)
    }
}
