import Foundation
import GradScopeCore
import GradScopeTestSupport
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
        let deep = try makeNetwork(cell, seed: 2)
        cell.depth = 10
        let shallow = try makeNetwork(cell, seed: 2)
        #expect(Array(deep.weights.prefix(10)) == shallow.weights)
        #expect(deep.input == shallow.input)
        cell.activation = .relu
        #expect(try makeNetwork(cell, seed: 2).weights == shallow.weights)
        cell.precision = .float32
        #expect(
            try makeNetwork(cell, seed: 2, cache: nil, Float.self).weights
                == shallow.weights.map { $0.converted(to: Float.self) })
    }

    @Test(
        """
        One thread's cache (reused buffers, weight storage refilled in place, forward passes taken over) changes no \
        number
        """
    )
    func sharedCacheChangesNothing() throws {
        func cell(
            _ activation: Activation, depth: Int, width: Int, _ initializer: Initializer,
            _ precision: Precision = .float64,
            residual: Bool = false, loss: Loss = .mse
        ) -> Cell {
            var c = Cell()
            (c.activation, c.depth, c.width, c.batch, c.initializer, c.precision) = (
                activation, depth, width, 12, initializer, precision
            )
            c.architecture = residual ? .residual : .plain
            c.loss = loss
            return c
        }
        // Deeper then shallower (the forward pass taken over, also with another loss), shallower then deeper,
        // another width, another initialiser, float32, residual, an overflow, back again: every buffer, weight
        // array and forward pass a run leaves behind holds numbers the next one must not see, or must see exactly.
        let sequence: [(Cell, Int)] = [
            (cell(.tanh, depth: 12, width: 24, .orthogonal(gain: 1)), 0),
            (cell(.tanh, depth: 7, width: 24, .orthogonal(gain: 1), loss: .probe), 0),
            (cell(.tanh, depth: 12, width: 24, .orthogonal(gain: 1), loss: .crossEntropy), 0),
            (cell(.tanh, depth: 12, width: 24, .orthogonal(gain: 1)), 1),
            (cell(.relu, depth: 5, width: 24, .orthogonal(gain: 1)), 0),
            (cell(.relu, depth: 9, width: 24, .orthogonal(gain: 1)), 0),
            (cell(.sigmoid, depth: 7, width: 24, .normal(std: 0.3)), 1),
            (cell(.tanh, depth: 9, width: 16, .normal(std: 0.3), .float32), 1),
            (cell(.elu, depth: 6, width: 16, .normal(std: 0.3), residual: true), 1),
            (cell(.linear, depth: 200, width: 16, .normal(std: 30)), 2),
            (cell(.tanh, depth: 12, width: 24, .orthogonal(gain: 1)), 0),
        ]
        let cache = WeightCache()
        for (c, seed) in sequence {
            let shared = try measure(c, seed: seed, cache: cache), fresh = try measure(c, seed: seed)
            #expect(shared == fresh, "\(c.activation) depth \(c.depth) width \(c.width) seed \(seed)")
        }
        #expect(try measure(sequence[9].0, seed: 2).status == .overflow)
        // A network that took a forward pass over, then had a weight replaced, runs its own forward pass again.
        let shared = try makeNetwork(sequence[0].0, seed: 0, cache: cache)
        _ = shared.measure()
        let fresh = try makeNetwork(sequence[0].0, seed: 0)
        let replaced = try Matrix(
            rows: 24, columns: 24, elements: RandomStream(seed: 7, purpose: "test").normal(count: 576, scale: 0.2))
        try shared.setWeights(replaced, layer: 3)
        try fresh.setWeights(replaced, layer: 3)
        #expect(shared.measure() == fresh.measure())
    }

    /// The output of `gradscope measure` with a given thread count for the matrix products.
    func measured(threads: Int, _ arguments: [String]) async throws -> String {
        let result = try await runGradscope(
            [
                "measure", "depth=6", "width=600", "--seed", "9",
                "--threads", "\(threads)",
            ] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return result.stdout
    }

    @Test(
        "1 and 2 threads give the same log10 norms to 1e-12 (in fact bit for bit)",
        arguments: [["init=orthogonal", "batch=7"], ["activation=tanh", "batch=300", "normalization=layer"]])
    func threadCountIndependence(arguments: [String]) async throws {
        let one = try await measured(threads: 1, arguments), two = try await measured(threads: 2, arguments)
        func columns(_ text: String) -> [Double] {
            text.split(separator: "\n").dropFirst().flatMap { line in
                line.split(separator: ",", omittingEmptySubsequences: false)[2...5].compactMap { Double($0) }
            }
        }
        #expect(columns(one).count == 24)
        for (a, b) in zip(columns(one), columns(two)) { #expect(abs(a - b) <= 1e-12 * max(1, abs(a))) }
        #expect(one == two)
    }
}
