import GradScopeCore
import GradScopeTestSupport
import Testing

@Suite("Linear algebra")
struct MatrixTests {
    /// A naive triple-loop product, the reference for GEMM.
    func naiveProduct(_ a: Matrix<Double>, _ b: Matrix<Double>) -> Matrix<Double> {
        var c = Matrix<Double>(rows: a.rows, columns: b.columns)
        for i in 0..<a.rows { for j in 0..<b.columns { for k in 0..<a.columns { c[i, j] += a[i, k] * b[k, j] } } }
        return c
    }

    func random(_ rows: Int, _ columns: Int, seed: Int) -> Matrix<Double> {
        try! Matrix(
            rows: rows, columns: columns,
            elements: RandomStream(seed: seed, purpose: "test", rows, columns).normal(count: rows * columns))
    }

    @Test(
        "GEMM with every transpose matches the triple loop",
        arguments: [(1, 1, 1), (3, 5, 2), (7, 1, 4), (16, 9, 33), (2, 40, 1)])
    func gemm(shape: (Int, Int, Int)) {
        let (m, k, n) = shape
        let a = random(m, k, seed: 1), b = random(k, n, seed: 2)
        let expected = naiveProduct(a, b)
        for (ta, tb) in [(false, false), (true, false), (false, true), (true, true)] {
            let left = ta ? a.transposed : a, right = tb ? b.transposed : b
            let c = left.multiplied(by: right, transposeSelf: ta, transposeOther: tb)
            #expect(c.hasShape(of: expected))
            for (x, y) in zip(c.elements, expected.elements) { #expect(abs(x - y) <= 1e-13 * (1 + abs(y))) }
        }
    }

    @Test(
        "The tiled transpose moves every entry (i, j) to (j, i), on shapes that are not multiples of the tile",
        arguments: [(1, 1), (1, 70), (33, 31), (70, 45), (64, 64)])
    func transpose(shape: (Int, Int)) {
        let a = random(shape.0, shape.1, seed: 3), t = a.transposed
        #expect(t.rows == a.columns && t.columns == a.rows)
        for i in 0..<a.rows { for j in 0..<a.columns { #expect(t[j, i] == a[i, j]) } }
        #expect(t.transposed == a)
    }

    @Test("GEMM accumulates with alpha and beta, in float32 too")
    func gemmAlphaBeta() {
        let a = random(4, 3, seed: 3), b = random(3, 5, seed: 4)
        var c = random(4, 5, seed: 5)
        let start = c
        Double.gemm(a, transposeA: false, b, transposeB: false, into: &c, alpha: 2, beta: -0.5)
        let ab = naiveProduct(a, b)
        for i in c.elements.indices {
            #expect(abs(c.elements[i] - (2 * ab.elements[i] - 0.5 * start.elements[i])) < 1e-12)
        }
        let c32 = a.converted(to: Float.self).multiplied(by: b.converted(to: Float.self))
        for i in c32.elements.indices { #expect(abs(Double(c32.elements[i]) - ab.elements[i]) < 1e-5) }
    }

    @Test("QR: Q has orthonormal columns and QR reproduces A")
    func qr() throws {
        let a = random(8, 5, seed: 6)
        let (q, diagonal) = try Double.qr(a)
        let qtq = q.multiplied(by: q, transposeSelf: true)
        for i in 0..<5 { for j in 0..<5 { #expect(abs(qtq[i, j] - (i == j ? 1 : 0)) < 1e-13) } }
        // R = Q^T A is upper triangular with the reported diagonal.
        let r = q.multiplied(by: a, transposeSelf: true)
        for i in 0..<5 {
            #expect(abs(r[i, i] - diagonal[i]) < 1e-12)
            for j in 0..<i { #expect(abs(r[i, j]) < 1e-12) }
        }
    }

    @Test("Singular values: sum of squares is the Frobenius norm squared; diagonal matrices are exact")
    func singularValues() throws {
        for (m, n) in [(6, 4), (4, 6), (1, 5), (7, 7)] {
            let a = random(m, n, seed: m * 10 + n)
            let s = try Double.singularValues(a)
            #expect(s.count == min(m, n))
            #expect(zip(s, s.dropFirst()).allSatisfy { $0 >= $1 })
            let squares = s.reduce(0) { $0 + $1 * $1 }
            #expect(abs(squares - a.frobeniusNorm * a.frobeniusNorm) < 1e-12 * squares)
            let s32 = try Float.singularValues(a.converted(to: Float.self))
            for (x, y) in zip(s32, s) { #expect(abs(Double(x) - y) < 1e-4 * (1 + y)) }
        }
        var d = Matrix<Double>(rows: 3, columns: 3)
        (d[0, 0], d[1, 1], d[2, 2]) = (2, -5, 0.5)
        #expect(try Double.singularValues(d) == [5, 2, 0.5])
    }

    @Test("LAPACK failures become errors naming the routine")
    func lapackError() {
        var a = Matrix<Double>(rows: 3, columns: 3, repeating: 1)
        a[1, 1] = .nan
        #expect {
            _ = try Double.singularValues(a)
        } throws: { error in
            guard let e = error as? LAPACKError else { return false }
            return e.routine == "LAPACKE_dgesdd" && e.info < 0 && "\(e)".contains("LAPACKE_dgesdd")
        }
    }

    @Test("Wrong element counts are a thrown ShapeError, not a crash")
    func shapeError() {
        #expect(throws: ShapeError.self) { try Matrix<Double>(rows: 2, columns: 3, elements: [1, 2, 3]) }
        #expect(throws: ShapeError.self) { try Matrix<Float>(rows: -1, columns: 3, elements: []) }
    }

    @Test("Mismatched GEMM shapes stop the process before BLAS reads out of bounds")
    func mismatchedGEMMTraps() async {
        await #expect(processExitsWith: .failure) {
            let a = Matrix<Double>(rows: 2, columns: 3), b = Matrix<Double>(rows: 2, columns: 3)
            _ = a.multiplied(by: b)
        }
        await #expect(processExitsWith: .failure) {
            let a = Matrix<Double>(rows: 2, columns: 2)
            _ = a[2, 0]
        }
    }
}
