/// Normalisation of a layer's pre-activations, without learnable gain or shift:
/// N(Z) = (Z - mean) / sqrt(var + eps), the mean and (population) variance taken over each
/// unit's batch (`batch`, training mode: the batch's own statistics; a convolution's channel over the batch and
/// the positions) or over each example's units (`layer`; a convolution's channels and positions).
package enum Normalization: String, CaseIterable, Codable, Sendable {
    case none, batch, layer
}

/// The normalisation of one network (never `none`) with its eps, and the forward and backward
/// maps through it. Sums run in float64 for both precisions.
struct Normalizer: Sendable {
    let normalization: Normalization
    let eps: Double
    /// The units that batch normalisation keeps apart: the last index of a row's (position, channel) entries.
    let channels: Int

    /// The normaliser of `cell`, nil when it has none.
    init?(_ cell: Cell) {
        guard cell.normalization != .none else { return nil }
        (normalization, eps, channels) = (cell.normalization, cell.normEps, cell.width)
    }

    /// The groups that share a mean and variance in a rows x columns matrix: each channel over the rows and
    /// positions (batch; a dense layer's columns) or each row (layer).
    func groups(rows: Int, columns: Int) -> [Group] {
        normalization == .batch
            ? (0..<channels).map { Group(start: $0, stride: channels, count: rows * columns / channels) }
            : (0..<rows).map { Group(start: $0 * columns, stride: 1, count: columns) }
    }

    /// u = N(z); inverseStd[g] = 1/sqrt(var_g + eps) for each group g. A non-finite z passes through
    /// unchanged (the activation's check then reports it); finite values whose sums would leave the
    /// range are normalised in units of a power of two.
    func forward<S: BLASScalar>(_ z: Matrix<S>, into u: inout Matrix<S>, inverseStd: inout [Double]) {
        if normalization == .batch, let s = ChannelSums.normalize(z.elements, into: &u.elements, channels, eps: eps) {
            inverseStd = s
            return
        }
        let groups = groups(rows: z.rows, columns: z.columns)
        if inverseStd.count != groups.count { inverseStd = [Double](repeating: 0, count: groups.count) }
        for (index, group) in groups.enumerated() {
            inverseStd[index] = Self.normalize(z.elements, into: &u.elements, group, eps: eps)
        }
    }

    /// dz = s (du - mean(du) - u mean(du u)) per group, in place (du = dLoss/dN(z) in, dLoss/dz out):
    /// the gradient through the mean and the variance.
    func backward<S: BLASScalar>(_ gradient: inout Matrix<S>, normalized u: Matrix<S>, inverseStd: [Double]) {
        if normalization == .batch {
            return ChannelSums.backward(&gradient.elements, normalized: u.elements, channels, inverseStd: inverseStd)
        }
        for (index, group) in groups(rows: u.rows, columns: u.columns).enumerated() {
            Self.backward(&gradient.elements, group, normalized: u.elements, group, inverseStd: inverseStd[index])
        }
    }

    /// One group's u = (z - mean) s; returns s.
    static func normalize<S: BLASScalar>(_ z: [S], into u: inout [S], _ g: Group, eps: Double) -> Double {
        let (mean, variance) = moments(z, g, scale: 1)
        if mean.isFinite, variance.isFinite {
            let s = 1 / (variance + eps).squareRoot()
            for k in 0..<g.count { u[g[k]] = S((Double(z[g[k]]) - mean) * s) }
            return s
        }
        var largest = 0.0
        for k in 0..<g.count { largest = Swift.max(largest, Swift.abs(Double(z[g[k]]))) }
        guard largest.isFinite else {
            for k in 0..<g.count { u[g[k]] = z[g[k]] }
            return .nan
        }
        // z = 2^e y with |y| < 2: N(z) = (y - mean_y) / sqrt(var_y + eps 4^-e), s = 2^-e / sqrt(...)
        let unit = Double(sign: .plus, exponent: -largest.exponent, significand: 1)
        let (meanY, varianceY) = moments(z, g, scale: unit)
        let denominator = (varianceY + eps * unit * unit).squareRoot()
        guard denominator > 0 else {  // equal entries beyond eps's reach: N(z) = 0
            for k in 0..<g.count { u[g[k]] = 0 }
            return 1 / eps.squareRoot()
        }
        for k in 0..<g.count { u[g[k]] = S((Double(z[g[k]]) * unit - meanY) / denominator) }
        return unit / denominator
    }

    /// The mean and population variance of `scale` z over one group.
    private static func moments<S: BLASScalar>(_ z: [S], _ g: Group, scale: Double) -> (Double, Double) {
        var sum = 0.0
        for k in 0..<g.count { sum += Double(z[g[k]]) * scale }
        let mean = sum / Double(g.count)
        var squares = 0.0
        for k in 0..<g.count {
            let d = Double(z[g[k]]) * scale - mean
            squares += d * d
        }
        return (mean, squares / Double(g.count))
    }

    /// One group of du -> s (du - mean(du) - u mean(du u)), u read from its own group `ug` of `u`.
    static func backward<S: BLASScalar, T: BLASScalar>(
        _ du: inout [S], _ g: Group, normalized u: [T], _ ug: Group, inverseStd s: Double
    ) {
        var sum = 0.0, projection = 0.0
        for k in 0..<g.count {
            let d = Double(du[g[k]])
            sum += d
            projection += d * Double(u[ug[k]])
        }
        let count = Double(g.count)
        let (mean, meanProduct) = (sum / count, projection / count)
        for k in 0..<g.count { du[g[k]] = S(s * (Double(du[g[k]]) - mean - Double(u[ug[k]]) * meanProduct)) }
    }
}

/// A strided run of a row-major matrix's elements: one row (stride 1) or one column (stride columns).
struct Group {
    let start: Int, stride: Int, count: Int

    /// The index of the group's k-th element.
    subscript(k: Int) -> Int { start &+ k &* stride }
}

/// Batch normalisation's per-channel sums, all channels in one pass over the rows: each channel's sum still adds
/// its entries in row order, as `Normalizer`'s one-group loops do (the same bits), but the loads are contiguous
/// and the c sums independent, where one group at a time walked a column with stride c.
enum ChannelSums {
    /// u = (z - mean_c) s_c with every channel's moments over the rows (rows x c entries); returns the s_c, or
    /// nil (u untouched) when a channel's moments are not finite, for the one-group path and its rescaling.
    static func normalize<S: BLASScalar>(_ z: [S], into u: inout [S], _ channels: Int, eps: Double) -> [Double]? {
        let rows = z.count / channels
        guard rows > 0, u.count == z.count else { return nil }
        let input = z.span
        var mean = [Double](repeating: 0, count: channels), squares = mean
        for r in 0..<rows {
            let row = input.extracting((r * channels)..<((r + 1) * channels))
            for c in 0..<channels { mean[c] += Double(row[c]) }
        }
        for c in 0..<channels { mean[c] /= Double(rows) }
        for r in 0..<rows {
            let row = input.extracting((r * channels)..<((r + 1) * channels))
            for c in 0..<channels {
                let d = Double(row[c]) - mean[c]
                squares[c] += d * d
            }
        }
        let variance = squares.map { $0 / Double(rows) }
        guard mean.allSatisfy(\.isFinite), variance.allSatisfy(\.isFinite) else { return nil }
        let inverseStd = variance.map { 1 / ($0 + eps).squareRoot() }
        var output = u.mutableSpan
        for r in 0..<rows {
            let (row, start) = (input.extracting((r * channels)..<((r + 1) * channels)), r * channels)
            for c in 0..<channels { output[start &+ c] = S((Double(row[c]) - mean[c]) * inverseStd[c]) }
        }
        return inverseStd
    }

    /// du -> s_c (du - mean(du) - u mean(du u)) for every channel c, in place.
    static func backward<S: BLASScalar>(_ du: inout [S], normalized u: [S], _ channels: Int, inverseStd: [Double]) {
        let rows = du.count / channels
        guard rows > 0, u.count == du.count, inverseStd.count == channels else { return }
        let normalized = u.span
        var sum = [Double](repeating: 0, count: channels), projection = sum
        do {
            let gradient = du.span
            for r in 0..<rows {
                let range = (r * channels)..<((r + 1) * channels)
                let (d, v) = (gradient.extracting(range), normalized.extracting(range))
                for c in 0..<channels {
                    sum[c] += Double(d[c])
                    projection[c] += Double(d[c]) * Double(v[c])
                }
            }
        }
        let count = Double(rows)
        let mean = sum.map { $0 / count }, meanProduct = projection.map { $0 / count }
        var gradient = du.mutableSpan
        for r in 0..<rows {
            let (v, start) = (normalized.extracting((r * channels)..<((r + 1) * channels)), r * channels)
            for c in 0..<channels {
                let d = Double(gradient[start &+ c])
                gradient[start &+ c] = S(inverseStd[c] * (d - mean[c] - Double(v[c]) * meanProduct[c]))
            }
        }
    }
}
