/// The float64 weights of the last network drawn, kept for the next run that needs
/// the same ones.
///
/// By common random numbers, W_l depends only on (seed, l, fan-in, fan-out,
/// initialiser): cells that differ in activation, depth, loss, architecture or
/// precision share their weights, and a shallower network's weights are a prefix
/// of a deeper one's. A sweep that runs such cells one after another (deepest
/// first) draws each matrix once. It also keeps the per-example buffers of the
/// thread's last network (`BufferPool`) for the next one. One cache per thread;
/// it is not thread-safe.
package final class WeightCache {
    private var key: WeightFamily?
    private var layers: [Matrix<Double>] = []
    /// The per-example buffers of the networks built on this thread, by precision.
    private let doubleBuffers = BufferPool<Double>(), floatBuffers = BufferPool<Float>()

    /// An empty cache.
    package init() {}

    /// W_1 ... W_depth of `cell` for `seed` (a recurrent cell's one W: its gates' blocks W_g), drawing only the
    /// layers not yet held. The storage of matrices no longer wanted is refilled in place (no allocation or
    /// page faults).
    package func weights(
        for cell: Cell, seed: Int, layout: ParameterLayout, shape: WeightShape, firstShape: WeightShape
    ) throws(LAPACKError) -> [Matrix<Double>] {
        let wanted = WeightFamily(cell, seed: seed, recurrent: layout.recurrent, shape: shape, firstShape: firstShape)
        var spare = [[Double]]()
        if key != wanted {
            key = wanted
            spare = layers.map(\.elements)
            layers = []
        }
        // a recurrent cell has one W, tied across its steps, one block per gate (an rnn's W is an LSTM's first)
        let count = layout.recurrent ? layout.gates : cell.depth
        while layers.count < count {
            let stream = layout.recurrent ? RecurrentStream.recurrentWeights(gate: layers.count) : layers.count + 1
            let layerShape = layout.recurrent || layers.count > 0 ? shape : firstShape
            layers.append(
                try cell.initializer.weights(
                    seed: seed, layer: stream, shape: layerShape, reusing: spare.popLast() ?? []))
        }
        return Array(layers.prefix(count))
    }

    /// The buffer pool of networks in precision `S`.
    func buffers<S: BLASScalar>(_: S.Type) -> BufferPool<S>? {
        doubleBuffers as? BufferPool<S> ?? floatBuffers as? BufferPool<S>
    }
}

/// The runs that see the same weights: by common random numbers W_l depends only on the seed, the
/// layer's shape and the initialiser, so cells that differ in activation, depth, loss, architecture or
/// precision share them (a shallower network's are the first layers of a deeper one's).
package struct WeightFamily: Hashable, Sendable {
    package let seed: Int
    /// One gate block's shape and fans, as the kind declares it, and W_1's (which reads the input).
    package let shape: WeightShape
    package let firstShape: WeightShape
    package let initializer: Initializer
    /// Whether the weights are a recurrent cell's (W's gate blocks, drawn from their own streams) or layers'.
    package let recurrent: Bool

    /// The family of `cell`'s weights for `seed`, with the layout and shape its kind declares.
    package init(_ cell: Cell, seed: Int) {
        let declaration = cell.kindDeclaration
        self.init(
            cell, seed: seed, recurrent: declaration.layout.recurrent, shape: declaration.weightShape,
            firstShape: declaration.firstWeightShape)
    }

    init(_ cell: Cell, seed: Int, recurrent: Bool, shape: WeightShape, firstShape: WeightShape) {
        (self.seed, initializer, self.recurrent, self.shape) = (seed, cell.initializer, recurrent, shape)
        self.firstShape = firstShape
    }
}
