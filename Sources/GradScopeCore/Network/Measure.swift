/// Builds the network of `cell` for `seed` in the cell's precision (reusing weights
/// held by `cache`), runs one forward and backward pass, and returns every layer's numbers.
/// Throws `ParameterError` for an invalid cell and `LAPACKError` if `orthogonal` fails.
package func measure(_ cell: Cell, seed: Int, cache: WeightCache? = nil) throws -> RunMeasurement {
    struct Measuring<Scalar: BLASScalar>: KindUser {
        let cell: Cell, seed: Int, cache: WeightCache?
        func run<Kind: LayerKind>(_ kind: Kind.Type) throws -> RunMeasurement where Kind.Scalar == Scalar {
            try Network<Kind>(cell: cell, seed: seed, cache: cache).measure()
        }
    }
    switch cell.precision {
    case .float64: return try cell.openKind(Measuring<Double>(cell: cell, seed: seed, cache: cache))
    case .float32: return try cell.openKind(Measuring<Float>(cell: cell, seed: seed, cache: cache))
    }
}
