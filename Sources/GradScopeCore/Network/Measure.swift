/// Builds the network of `cell` for `seed` in the cell's precision (reusing weights
/// held by `cache`), runs one forward and backward pass, and returns every layer's numbers.
/// Throws `ParameterError` for an invalid cell and `LAPACKError` if `orthogonal` fails.
package func measure(_ cell: Cell, seed: Int, cache: WeightCache? = nil) throws -> RunMeasurement {
    if GatedCell.isGated(cell.architecture) {
        switch cell.precision {
        case .float64: return try GatedNetwork<Double>(cell: cell, seed: seed).measure()
        case .float32: return try GatedNetwork<Float>(cell: cell, seed: seed).measure()
        }
    }
    switch cell.precision {
    case .float64: return try Network<Double>(cell: cell, seed: seed, cache: cache).measure()
    case .float32: return try Network<Float>(cell: cell, seed: seed, cache: cache).measure()
    }
}
