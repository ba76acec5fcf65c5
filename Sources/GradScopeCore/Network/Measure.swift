/// Builds the network of `cell` for `seed` in the cell's precision (reusing weights
/// held by `cache`), runs one forward and backward pass, and returns every layer's numbers.
/// Throws `ParameterError` for an invalid cell and `LAPACKError` if `orthogonal` fails.
package func measure(_ cell: Cell, seed: Int, cache: WeightCache? = nil) throws -> RunMeasurement {
    switch cell.precision {
    case .float64: return try Network<Double>(cell: cell, seed: seed, cache: cache).measure()
    case .float32: return try Network<Float>(cell: cell, seed: seed, cache: cache).measure()
    }
}
