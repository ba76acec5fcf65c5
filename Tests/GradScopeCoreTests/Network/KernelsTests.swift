import GradScopeCore
import GradScopeTestSupport
import Testing

@Suite("Elementwise kernels")
struct KernelsTests {
    /// The fused pass must give the bits of the separate ones: the backward pass's D_l, its per-example norms
    /// and its bias gradient do not change with it (and a change of summation order would be a numerics revision).
    @Test(
        "D = G * phi' with its row sums of squares and column sums in one pass: the separate passes' bits",
        arguments: [(1, 1), (3, 7), (5, 8), (4, 13), (128, 32), (17, 64), (2, 100)])
    func fusedSums(shape: (Int, Int)) throws {
        let (rows, columns) = shape
        let stream = RandomStream(seed: rows, purpose: "test.kernels", columns)
        let g = stream.normal(count: rows * columns), slopes = stream.uniform(count: rows * columns)
        var separate = [Double](repeating: 0, count: rows * columns), fused = separate
        Kernels.multiply(g, slopes, into: &separate)
        let sums = Kernels.multiply(g, slopes, into: &fused, columns: columns)
        #expect(fused == separate)
        #expect(sums.rowSquares == Kernels.rowSquares(separate, columns: columns))
        let matrix = try Matrix(rows: rows, columns: columns, elements: separate)
        #expect(sums.columnSums == matrix.columnSums)
        // and against plain loops, to rounding
        for row in 0..<rows {
            let squares = (0..<columns).reduce(0.0) { $0 + separate[row * columns + $1] * separate[row * columns + $1] }
            #expect(abs(sums.rowSquares[row] - squares) <= 1e-14 * squares)
        }
        for column in 0..<columns {
            let values = (0..<rows).map { separate[$0 * columns + column] }
            let magnitude = values.reduce(0.0) { $0 + abs($1) }
            #expect(abs(sums.columnSums[column] - values.reduce(0, +)) <= 1e-14 * magnitude)
        }
    }

    @Test("The fused pass in float32: the product rounded to float32, its sums in float64")
    func fusedSumsFloat() throws {
        let (rows, columns) = (6, 11)
        let stream = RandomStream(seed: 1, purpose: "test.kernels.float")
        let g = stream.normal(count: rows * columns).map { Float($0) }
        let slopes = stream.uniform(count: rows * columns).map { Float($0) }
        var separate = [Float](repeating: 0, count: rows * columns), fused = separate
        Kernels.multiply(g, slopes, into: &separate)
        let sums = Kernels.multiply(g, slopes, into: &fused, columns: columns)
        #expect(fused == separate)
        #expect(sums.rowSquares == Kernels.rowSquares(separate, columns: columns))
        #expect(sums.columnSums == (try Matrix(rows: rows, columns: columns, elements: separate)).columnSums)
    }
}
