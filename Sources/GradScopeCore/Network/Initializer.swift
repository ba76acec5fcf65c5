import RealModule

/// How the weights W_l (fan-in x fan-out) of each layer are drawn.
///
/// All Gaussian-based schemes scale the same standard-normal draws, and
/// `orthogonal` orthogonalises those same draws, so cells that differ only in
/// their initialiser see paired random numbers (common random numbers).
package enum Initializer: Hashable, Sendable {
    /// W_ij ~ N(0, std^2).
    case normal(std: Double)
    /// W_ij ~ U[-limit, limit].
    case uniform(limit: Double)
    /// Var(W_ij) = scale / fan, with fan chosen by `mode`, from `distribution`.
    case varianceScaling(scale: Double, mode: FanMode, distribution: Distribution)
    /// A Haar-random orthogonal matrix (QR of a Gaussian matrix, signs of R's diagonal folded in) times gain.
    case orthogonal(gain: Double)
    /// gain times the identity (ones on the diagonal of a rectangular shape): the IRNN of Le et al. (2015).
    case identity(gain: Double)
    /// A convolution's kernel that is zero but at its centre tap, there a Haar-random c_in x c_out matrix
    /// with orthonormal rows times gain (Xiao et al. 2018, Algorithm 2; c_in <= c_out): the dense
    /// `orthogonal` draw of that shape, so that kernel 1 gives `orthogonal`.
    case deltaOrthogonal(gain: Double)

    /// Which fan `varianceScaling` divides by.
    package enum FanMode: String, CaseIterable, Codable, Sendable {
        case fanIn = "fan_in", fanOut = "fan_out", fanAverage = "fan_avg"
    }

    /// The distribution `varianceScaling` draws from, always with Var = scale / fan.
    package enum Distribution: String, CaseIterable, Codable, Sendable {
        case normal, uniform
        /// N(0, s^2) conditioned on |w| <= 2 s, with s raised by 1/0.8796 so the variance is exact.
        case truncatedNormal = "truncated_normal"
    }

    /// The named initialisers of Keras and PyTorch, and Glorot & Bengio's "standard" one.
    package static let named: [String: Initializer] = [
        "xavier_normal": .varianceScaling(scale: 1, mode: .fanAverage, distribution: .normal),
        "glorot_normal": .varianceScaling(scale: 1, mode: .fanAverage, distribution: .normal),
        "xavier_uniform": .varianceScaling(scale: 1, mode: .fanAverage, distribution: .uniform),
        "glorot_uniform": .varianceScaling(scale: 1, mode: .fanAverage, distribution: .uniform),
        "he_normal": .varianceScaling(scale: 2, mode: .fanIn, distribution: .normal),
        "kaiming_normal": .varianceScaling(scale: 2, mode: .fanIn, distribution: .normal),
        "he_uniform": .varianceScaling(scale: 2, mode: .fanIn, distribution: .uniform),
        "kaiming_uniform": .varianceScaling(scale: 2, mode: .fanIn, distribution: .uniform),
        "lecun_normal": .varianceScaling(scale: 1, mode: .fanIn, distribution: .normal),
        "lecun_uniform": .varianceScaling(scale: 1, mode: .fanIn, distribution: .uniform),
        "glorot_standard": .varianceScaling(scale: 1.0 / 3, mode: .fanIn, distribution: .uniform),
        "orthogonal": .orthogonal(gain: 1),
        "identity": .identity(gain: 1),
        "delta_orthogonal": .deltaOrthogonal(gain: 1),
    ]

    /// The standard deviation of the standard normal truncated to [-2, 2].
    package static let truncatedNormalStd = 0.87962566103423978

    /// Var(W_ij) for a fan-in x fan-out matrix (orthogonal: gain^2 / fan-out, exact for square layers).
    package func variance(fanIn: Int, fanOut: Int) -> Double {
        switch self {
        case .normal(let std): return std * std
        case .uniform(let limit): return limit * limit / 3
        case .varianceScaling(let scale, let mode, _): return scale / mode.fan(fanIn: fanIn, fanOut: fanOut)
        case .orthogonal(let gain), .identity(let gain), .deltaOrthogonal(let gain):
            return gain * gain / Double(max(fanIn, fanOut))
        }
    }

    /// The weights of layer `layer` (1-based), fan-in x fan-out, in float64.
    /// They depend only on (seed, layer, fan-in, fan-out, this initialiser).
    package func weights(
        seed: Int, layer: Int, fanIn: Int, fanOut: Int, reusing storage: consuming [Double] = []
    ) throws(LAPACKError) -> Matrix<Double> {
        try weights(
            seed: seed, layer: layer, shape: WeightShape(rows: fanIn, columns: fanOut, fanIn: fanIn, fanOut: fanOut),
            reusing: storage)
    }

    /// The weights of layer `layer` (1-based), rows x columns, in float64, scaled by the shape's fans
    /// (a convolution's K: (c_in k^2) x c_out with fan-out c_out k^2). They depend only on (seed, layer,
    /// rows, columns, this initialiser and the fans), so a shape whose fans are its rows and columns draws
    /// what a dense layer of that shape draws. Gaussian draws are written into `storage` when it has
    /// rows x columns elements (and is not shared).
    package func weights(
        seed: Int, layer: Int, shape: WeightShape, reusing storage: consuming [Double] = []
    ) throws(LAPACKError) -> Matrix<Double> {
        let (fanIn, fanOut) = (shape.fanIn, shape.fanOut)
        let (rows, columns) = (shape.rows, shape.columns)
        let count = rows * columns
        func stream(_ purpose: String) -> RandomStream {
            RandomStream(seed: seed, purpose: purpose, layer, rows, columns)
        }
        var values = consume storage
        func normal(times std: Double) -> Matrix<Double> {
            if values.count != count { values = [Double](repeating: 0, count: count) }
            stream("weights.normal").fillNormal(&values, scale: std)
            return Matrix(rows: rows, columns: columns, exactly: values)
        }
        func matrix(_ values: [Double], times factor: Double) -> Matrix<Double> {
            var scaled = values  // uniquely referenced: scaled in place, no copy
            for i in scaled.indices { scaled[i] *= factor }
            return Matrix(rows: rows, columns: columns, exactly: scaled)
        }
        switch self {
        case .normal(let std):
            return normal(times: std)
        case .uniform(let limit):
            return matrix(stream("weights.uniform").uniform(count: count).map { 2 * $0 - 1 }, times: limit)
        case .varianceScaling(_, _, let distribution):
            let std = variance(fanIn: fanIn, fanOut: fanOut).squareRoot()
            switch distribution {
            case .normal:
                return normal(times: std)
            case .uniform:
                return matrix(
                    stream("weights.uniform").uniform(count: count).map { 2 * $0 - 1 }, times: std * 3.0.squareRoot())
            case .truncatedNormal:
                return matrix(
                    stream("weights.truncated_normal").truncatedNormal(count: count),
                    times: std / Initializer.truncatedNormalStd)
            }
        case .identity(let gain):
            var eye = [Double](repeating: 0, count: count)
            for i in 0..<min(rows, columns) { eye[i * columns + i] = gain }
            return Matrix(rows: rows, columns: columns, exactly: eye)
        case .orthogonal(let gain):
            let gaussian = normal(times: 1)
            return try Initializer.haarOrthogonal(from: gaussian, gain: gain)
        case .deltaOrthogonal(let gain):
            let inputs = rows / shape.taps
            let centre = try Initializer.orthogonal(gain: gain).weights(
                seed: seed, layer: layer,
                shape: WeightShape(rows: inputs, columns: columns, fanIn: inputs, fanOut: columns))
            var kernel = [Double](repeating: 0, count: count)
            for c in 0..<inputs {
                let row = (c * shape.taps + shape.taps / 2) * columns
                for j in 0..<columns { kernel[row + j] = centre.elements[c * columns + j] }
            }
            return Matrix(rows: rows, columns: columns, exactly: kernel)
        }
    }

    /// A Haar-random matrix with orthonormal columns (rows, for a wide shape) times `gain`, drawn without
    /// factorising (Stewart 1980). A Householder QR of an m x n Gaussian matrix (m >= n) meets at step k a
    /// vector x of the partly reduced matrix that is N(0, I_{m-k}) and independent of the steps before
    /// (rotation invariance). So x is drawn straight: the draws, read as a column-major m x n matrix,
    /// give it from column k, rows k..<m. Its reflector is formed as LAPACK's dlarfg would:
    /// beta = -sign(x_0) ||x||, tau = (beta - x_0) / beta, v = (x - beta e_1) / (x_0 - beta);
    /// Q = H_1 ... H_n in compact-WY blocks (`Double.householderProduct`), and column k times
    /// sign(beta) = sign(R_kk) makes Q exactly Haar (Mezzadri 2007). Q comes column-major, so read
    /// row-major it is Q^T: that is W for a square shape (Q^T is Haar when Q is) and for a wide one
    /// (orthonormal rows); a tall W is its transpose.
    package static func haarOrthogonal(from gaussian: Matrix<Double>, gain: Double = 1) throws(LAPACKError) -> Matrix<
        Double
    > {
        let wide = gaussian.rows <= gaussian.columns
        let (m, n) = (max(gaussian.rows, gaussian.columns), min(gaussian.rows, gaussian.columns))
        var reflectors = gaussian.elements
        var tau = [Double](repeating: 0, count: n), signs = [Double](repeating: gain, count: n)
        do {
            var values = reflectors.mutableSpan
            for k in 0..<n {
                let column = k * m
                var squares = 0.0
                for i in (column + k)..<(column + m) { squares += values[i] * values[i] }
                let (x0, norm) = (values[column + k], squares.squareRoot())
                guard norm > 0 else { continue }  // probability zero: H_k = I, R_kk = 0
                let beta = x0 >= 0 ? -norm : norm
                tau[k] = (beta - x0) / beta
                let scale = 1 / (x0 - beta)
                for i in (column + k + 1)..<(column + m) { values[i] *= scale }
                signs[k] = beta < 0 ? -gain : gain
            }
        }
        var transposedQ = Matrix(
            rows: n, columns: m, exactly: try Double.householderProduct(reflectors, rows: m, columns: n, tau: tau))
        transposedQ.scaleRows(by: signs)
        return wide ? transposedQ : transposedQ.transposed
    }
}

extension Initializer.FanMode {
    /// The fan this mode divides by.
    package func fan(fanIn: Int, fanOut: Int) -> Double {
        switch self {
        case .fanIn: return Double(fanIn)
        case .fanOut: return Double(fanOut)
        case .fanAverage: return Double(fanIn + fanOut) / 2
        }
    }
}

extension Matrix {
    /// Every entry times `factor`.
    package func scaled(by factor: Scalar) -> Matrix {
        var result = self
        for i in result.elements.indices { result.elements[i] *= factor }
        return result
    }
}
