import GradScopeCore
import GradScopeTestSupport
import Testing

@Suite("Initialisers")
struct InitializerTests {
    static let allNamed = Initializer.named.keys.sorted()
    static let explicit: [Initializer] = [
        .normal(std: 0.3), .uniform(limit: 0.2),
        .varianceScaling(scale: 2, mode: .fanOut, distribution: .truncatedNormal),
        .varianceScaling(scale: 0.5, mode: .fanAverage, distribution: .truncatedNormal),
    ]

    func checkVariance(_ initializer: Initializer, fanIn: Int = 200, fanOut: Int = 300) throws {
        let w = try initializer.weights(seed: 7, layer: 1, fanIn: fanIn, fanOut: fanOut).elements
        let n = Double(w.count), mean = w.reduce(0, +) / n
        let variance = w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        let m4 = w.reduce(0) { $0 + ($1 - mean) * ($1 - mean) * ($1 - mean) * ($1 - mean) } / n
        let expected = initializer.variance(fanIn: fanIn, fanOut: fanOut)
        let standardError = ((m4 - variance * variance) / n).squareRoot()
        #expect(
            abs(variance - expected) < 3 * standardError,
            "\(initializer): variance \(variance), expected \(expected) +- \(standardError)")
        #expect(abs(mean) < 3 * (variance / n).squareRoot(), "\(initializer): mean \(mean)")
    }

    @Test("Every named initialiser has Var(W) = scale / fan within 3 standard errors", arguments: allNamed)
    func namedVariance(name: String) throws {
        let initializer = try #require(Initializer.named[name])
        if case .identity = initializer {  // not random: exactly the identity, ones on a rectangle's diagonal
            let w = try Initializer.identity(gain: 1.5).weights(seed: 7, layer: 1, fanIn: 3, fanOut: 4)
            #expect(w.elements == [1.5, 0, 0, 0, 0, 1.5, 0, 0, 0, 0, 1.5, 0])
            return
        }
        if case .orthogonal = initializer {
            try checkVariance(initializer, fanIn: 300, fanOut: 300)
        } else {
            try checkVariance(initializer)
        }
    }

    @Test("Explicit normal, uniform and truncated-normal initialisers have the requested variance", arguments: explicit)
    func explicitVariance(initializer: Initializer) throws {
        try checkVariance(initializer)
    }

    @Test("glorot_standard stays inside +-1/sqrt(n); truncated normal inside 2 sigma")
    func bounds() throws {
        let n = 150
        let w = try Initializer.named["glorot_standard"]!.weights(seed: 1, layer: 2, fanIn: n, fanOut: n).elements
        let limit = 1 / Double(n).squareRoot()
        #expect(w.allSatisfy { abs($0) <= limit })
        #expect(w.max()! > 0.99 * limit && w.min()! < -0.99 * limit)
        let t = Initializer.varianceScaling(scale: 1, mode: .fanIn, distribution: .truncatedNormal)
        let sigma = 1 / Double(n).squareRoot() / Initializer.truncatedNormalStd
        #expect(
            try t.weights(seed: 1, layer: 1, fanIn: n, fanOut: n).elements.allSatisfy {
                abs($0) <= 2 * sigma * (1 + 1e-15)
            })
    }

    @Test(
        "orthogonal: Q^T Q = gain^2 I to 1e-12, square and rectangular, one block of reflectors and several",
        arguments: [(64, 64), (50, 30), (30, 50), (129, 129), (300, 140), (140, 300)])
    func orthogonality(shape: (Int, Int)) throws {
        let gain = 1.3
        let q = try Initializer.orthogonal(gain: gain).weights(seed: 2, layer: 3, fanIn: shape.0, fanOut: shape.1)
        let tall = shape.0 >= shape.1
        let gram = tall ? q.multiplied(by: q, transposeSelf: true) : q.multiplied(by: q, transposeOther: true)
        var deviation = 0.0
        for i in 0..<gram.rows {
            for j in 0..<gram.columns { deviation = max(deviation, abs(gram[i, j] / (gain * gain) - (i == j ? 1 : 0))) }
        }
        #expect(deviation < 1e-12)
    }

    /// How the blocked-product test forms tau: 2 / ||v||^2 (orthogonal reflectors), 1.5 / ||v||^2 (the
    /// T^{-1} identity holds for any tau), or that with one tau_k = 0 (H_k = I, formed by dorgqr).
    enum TauChoice: Sendable { case orthogonal, scaled, oneZero }

    @Test(
        "Q = H_1 ... H_n in blocks equals the reflectors applied one at a time by naive loops, across block edges",
        arguments: [
            (150, 140, TauChoice.orthogonal), (64, 64, .orthogonal), (9, 3, .orthogonal), (200, 65, .orthogonal),
            (300, 200, .orthogonal), (150, 140, .scaled), (200, 130, .oneZero),
        ])
    func blockedHouseholderProduct(m: Int, n: Int, choice: TauChoice) throws {
        // column-major reflectors: v_k = (1, random tail) below row k
        var reflectors = RandomStream(seed: 4, purpose: "test.householder").normal(count: m * n)
        var tau = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var squares = 1.0
            for i in (k + 1)..<m { squares += reflectors[k * m + i] * reflectors[k * m + i] }
            tau[k] = (choice == .orthogonal ? 2 : 1.5) / squares
            for i in 0...k { reflectors[k * m + i] = 99 }  // the diagonal and above are never read
        }
        if choice == .oneZero { tau[n / 2] = 0 }
        let blocked = try Double.householderProduct(reflectors, rows: m, columns: n, tau: tau)
        var q = [Double](repeating: 0, count: m * n)  // column-major [I_n; 0], then H_n first, H_1 last
        for j in 0..<n { q[j * m + j] = 1 }
        for k in stride(from: n - 1, through: 0, by: -1) {
            func v(_ i: Int) -> Double { i == k ? 1 : (i > k ? reflectors[k * m + i] : 0) }
            for j in 0..<n {
                var dot = 0.0
                for i in k..<m { dot += v(i) * q[j * m + i] }
                for i in k..<m { q[j * m + i] -= tau[k] * dot * v(i) }
            }
        }
        let deviation = zip(blocked, q).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        #expect(deviation < 1e-13, "\(m) x \(n): \(deviation)")
    }

    @Test(
        "orthogonal is Haar: a column is uniform on the sphere (KS test per coordinate, 3 x 3 and 3 x 2, both columns)",
        arguments: [(3, 3, 0), (3, 2, 0), (3, 2, 1)])
    func haarUniformity(rows: Int, columns: Int, column: Int) throws {
        let samples = 3000
        var coordinates: [[Double]] = [[], [], []]
        for seed in 0..<samples {
            let q = try Initializer.orthogonal(gain: 1).weights(seed: seed, layer: 1, fanIn: rows, fanOut: columns)
            for i in 0..<3 { coordinates[i].append(q[i, column]) }
        }
        // Archimedes: each coordinate of a uniform point on S^2 is uniform on [-1, 1].
        for values in coordinates {
            let sorted = values.sorted()
            var statistic = 0.0
            for (k, x) in sorted.enumerated() {
                let cdf = (x + 1) / 2
                statistic = max(
                    statistic, abs(cdf - Double(k) / Double(samples)), abs(cdf - Double(k + 1) / Double(samples)))
            }
            #expect(
                statistic < 1.63 / Double(samples).squareRoot(), "KS statistic \(statistic) rejects uniformity at 1%")
        }
    }

    @Test(
        """
        orthogonal has Haar moments: E tr Q = 0, Var tr Q = n/m, m E[Q_11^2] = 1 (4,000 draws each of 8 x 8, \
        12 x 5 and 5 x 12)
        """, arguments: [(8, 8), (12, 5), (5, 12)])
    func haarMoments(shape: (Int, Int)) throws {
        let samples = 4000
        let (m, n) = (max(shape.0, shape.1), min(shape.0, shape.1))
        var (trace, traceSquare, corner) = (0.0, 0.0, 0.0)
        for seed in 0..<samples {
            let q = try Initializer.orthogonal(gain: 1).weights(seed: seed, layer: 2, fanIn: shape.0, fanOut: shape.1)
            let t = (0..<n).reduce(0.0) { $0 + q[$1, $1] }
            (trace, traceSquare, corner) = (trace + t, traceSquare + t * t, corner + q[0, 0] * q[0, 0])
        }
        let count = Double(samples)
        // about four standard errors of each mean (tr Q is about N(0, n/m); Q_11^2 ~ Beta(1/2, (m-1)/2))
        #expect(abs(trace / count) < 4 * (Double(n) / Double(m) / count).squareRoot(), "E tr Q \(trace / count)")
        #expect(
            abs(traceSquare / count - Double(n) / Double(m)) < 4 * (2 / count).squareRoot() * Double(n) / Double(m),
            "Var tr Q \(traceSquare / count)")
        let cornerStd = (2 * Double(m - 1) / (Double(m * m) * Double(m + 2)) / count).squareRoot()
        #expect(abs(corner / count - 1 / Double(m)) < 4 * cornerStd, "E Q_11^2 \(corner / count), 1/m \(1 / Double(m))")
    }

    @Test("Gaussian-based initialisers share draws: xavier_normal and he_normal differ only by scale")
    func pairedDraws() throws {
        let a = try Initializer.named["xavier_normal"]!.weights(seed: 5, layer: 4, fanIn: 20, fanOut: 20).elements
        let b = try Initializer.named["he_normal"]!.weights(seed: 5, layer: 4, fanIn: 20, fanOut: 20).elements
        for (x, y) in zip(a, b) { #expect(abs(y - x * 2.0.squareRoot()) <= 1e-15 * abs(y)) }
    }
}

extension Initializer: CustomTestStringConvertible {
    public var testDescription: String { "\(self)" }
}

@Suite("Gram matrices")
struct GramTests {
    @Test(
        "gram(of: .columns) is A^T A and gram(of: .rows) is A A^T (upper triangles)",
        arguments: [(7, 3), (3, 7), (1, 5)])
    func gram(shape: (Int, Int)) throws {
        let a = try Matrix(
            rows: shape.0, columns: shape.1,
            elements: RandomStream(seed: 3, purpose: "test.gram").normal(count: shape.0 * shape.1))
        for (vectors, expected) in [
            (GramVectors.columns, a.multiplied(by: a, transposeSelf: true)),
            (.rows, a.multiplied(by: a, transposeOther: true)),
        ] {
            var g = Matrix<Double>(rows: expected.rows, columns: expected.columns)
            Double.gram(a, of: vectors, into: &g)
            for i in 0..<g.rows { for j in i..<g.columns { #expect(abs(g[i, j] - expected[i, j]) < 1e-13) } }
        }
    }
}
