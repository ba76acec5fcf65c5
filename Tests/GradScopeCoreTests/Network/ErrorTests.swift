import GradScopeCore
import GradScopeTestSupport
import Testing

@Suite("Bad arguments to the library")
struct ErrorTests {
    @Test("Invalid cells are a ParameterError naming the key and the valid range")
    func invalidCells() {
        let cases: [(String, (inout Cell) -> Void)] = [
            ("width", { $0.width = 0 }), ("depth", { $0.depth = 10_001 }), ("batch", { $0.batch = -3 }),
            ("classes", { $0.classes = 1 }), ("bias_std", { $0.biasStd = -1 }), ("input_std", { $0.inputStd = 0 }),
            ("residual_scale", { $0.residualScale = .nan }), ("init.gain", { $0.initializer = .orthogonal(gain: 0) }),
            ("init.std", { $0.initializer = .normal(std: .infinity) }),
        ]
        for (key, mutate) in cases {
            var cell = Cell()
            mutate(&cell)
            #expect {
                _ = try makeNetwork(cell, seed: 0)
            } throws: { error in
                guard let e = error as? ParameterError else { return false }
                return e.key == key && !e.message.isEmpty
            }
        }
    }

    @Test("Replacing weights or biases with the wrong shape is a ShapeError")
    func wrongShapes() throws {
        var cell = Cell()
        (cell.width, cell.batch, cell.depth) = (4, 2, 3)
        let network = try makeNetwork(cell, seed: 0)
        #expect(throws: ShapeError.self) { try network.setWeights(Matrix(rows: 4, columns: 5), layer: 1) }
        #expect(throws: ShapeError.self) { try network.setWeights(Matrix(rows: 4, columns: 4), layer: 4) }
        #expect(throws: ShapeError.self) { try network.setBiases([1, 2], layer: 1) }
        #expect(throws: ShapeError.self) { _ = try network.loss(hidden: Matrix(rows: 3, columns: 4), atLayer: 1) }
    }

    @Test("Bad CLI arguments exit with code 2 and a message")
    func cliErrors() async throws {
        let zero = try await runGradscope(["measure", "width=0"])
        #expect(zero.status == 2 && zero.stderr.contains("width"))
        let unknown = try await runGradscope(["measure", "init=xavier_normall"])
        #expect(unknown.status == 2 && unknown.stderr.contains("xavier_normal"))
        let key = try await runGradscope(["measure", "widht=3"])
        #expect(key.status == 2 && key.stderr.contains("unknown parameter 'widht'"))
        let batchOfOne = try await runGradscope(["measure", "normalization=batch", "batch=1"])
        #expect(batchOfOne.status == 2 && batchOfOne.stderr.contains("batch >= 2"))
    }
}
