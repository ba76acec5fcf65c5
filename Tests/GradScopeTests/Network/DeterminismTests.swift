import Foundation
import GradScope
import Testing

@Suite("Determinism")
struct DeterminismTests {
    @Test("Same cell and seed: bitwise-equal measurements; another seed differs", arguments: Precision.allCases)
    func sameSeedSameNumbers(precision: Precision) throws {
        var cell = Cell()
        (cell.activation, cell.width, cell.batch, cell.depth, cell.precision) = (.tanh, 64, 32, 20, precision)
        cell.initializer = .orthogonal(gain: 1.1)
        let a = try measure(cell, seed: 4), b = try measure(cell, seed: 4), c = try measure(cell, seed: 5)
        #expect(a == b)
        #expect(a != c)
    }

    @Test("Common random numbers: a depth-10 network is the first 10 layers of the depth-30 one")
    func prefixNetworks() throws {
        var cell = Cell()
        (cell.width, cell.batch, cell.depth) = (16, 4, 30)
        let deep = try Network<Double>(cell: cell, seed: 2)
        cell.depth = 10
        let shallow = try Network<Double>(cell: cell, seed: 2)
        #expect(Array(deep.weights.prefix(10)) == shallow.weights)
        #expect(deep.input == shallow.input)
        cell.activation = .relu
        #expect(try Network<Double>(cell: cell, seed: 2).weights == shallow.weights)
        cell.precision = .float32
        #expect(try Network<Float>(cell: cell, seed: 2).weights == shallow.weights.map { $0.converted(to: Float.self) })
    }

    /// The log10 columns of `gradscope measure` with a given OpenBLAS thread count.
    func measuredColumns(threads: Int) throws -> [[Double]] {
        let result = try runGradscope(["measure", "--activation", "tanh", "--depth", "6", "--width", "384",
                                       "--batch", "256", "--seed", "9", "--threads", "\(threads)"])
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout.split(separator: "\n").dropFirst().map { line in
            line.split(separator: ",", omittingEmptySubsequences: false)[2...5].compactMap { Double($0) }
        }
    }

    @Test("1 and 2 BLAS threads give the same log10 norms to 1e-12")
    func threadCountIndependence() throws {
        let one = try measuredColumns(threads: 1), two = try measuredColumns(threads: 2)
        #expect(one.count == 6 && one.allSatisfy { $0.count == 4 })
        for (a, b) in zip(one.joined(), two.joined()) { #expect(abs(a - b) <= 1e-12 * max(1, abs(a))) }
    }
}
