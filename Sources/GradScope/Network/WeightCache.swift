/// The float64 weights of the last network drawn, kept for the next run that needs
/// the same ones.
///
/// By common random numbers, W_l depends only on (seed, l, fan-in, fan-out,
/// initialiser): cells that differ in activation, depth, loss, architecture or
/// precision share their weights, and a shallower network's weights are a prefix
/// of a deeper one's. A sweep that runs such cells one after another (deepest
/// first) draws each matrix once. One cache per thread; it is not thread-safe.
public final class WeightCache {
    private struct Key: Equatable {
        var seed: Int
        var width: Int
        var initializer: Initializer
    }

    private var key: Key?
    private var layers: [Matrix<Double>] = []

    /// An empty cache.
    public init() {}

    /// W_1 ... W_depth of `cell` for `seed`, drawing only the layers not yet held.
    public func weights(for cell: Cell, seed: Int) throws(LAPACKError) -> [Matrix<Double>] {
        let wanted = Key(seed: seed, width: cell.width, initializer: cell.initializer)
        if key != wanted {
            key = wanted
            layers = []
        }
        while layers.count < cell.depth {
            layers.append(try cell.initializer.weights(seed: seed, layer: layers.count + 1, fanIn: cell.width, fanOut: cell.width))
        }
        return Array(layers.prefix(cell.depth))
    }
}
