/// Arrays of one element type handed from one network to the next on the same thread, so that
/// a sweep does not allocate, zero and page in every per-layer buffer for every run.
///
/// It holds at most the buffers of the last network (free, or as its forward pass): asking
/// for a size it does not hold first lets go of every array of another size.
final class BufferPool<Scalar: BLASScalar> {
    private var free: [[Scalar]] = []
    /// The last network's forward pass, while the next one may want it.
    fileprivate var forward: ForwardPass<Scalar>?

    /// An array of `count` elements with unspecified contents (zeros when newly allocated).
    func take(count: Int) -> [Scalar] {
        if let i = free.lastIndex(where: { $0.count == count }) { return free.remove(at: i) }
        free.removeAll()
        return [Scalar](repeating: 0, count: count)
    }

    /// Keeps `arrays` for the next `take`.
    func give(_ arrays: [[Scalar]]) {
        free.append(contentsOf: arrays)
    }
}

/// A forward pass a network left behind: H_0 ... H_depth and each layer's tape, from the drawn
/// input of one (cell, seed).
/// By common random numbers it is also the first layers of every shallower network that
/// differs only in depth or loss, which can take it instead of running its own forward pass.
struct ForwardPass<Scalar: BLASScalar> {
    /// Whose pass it is: the cell without its depth and loss, and the seed.
    struct Key: Equatable {
        let cell: Cell
        let seed: Int

        init(_ cell: Cell, seed: Int) {
            (self.cell, self.seed) = (cell.forwardIdentity, seed)
        }
    }

    let key: Key
    /// Layers 1 ... depth are filled.
    let depth: Int
    var hidden: [Matrix<Scalar>]
    /// Each layer's tape, of the network's `LayerKind.Tape`.
    var tapes: Any
    /// The tapes' arrays that came from the pool, gathered when the pass is let go.
    var pooled: () -> [[Scalar]]
}

extension BufferPool {
    /// Keeps `pass` for the next network that can use it, in place of the one kept before.
    func keep(_ pass: ForwardPass<Scalar>) {
        releaseForward()
        forward = pass
    }

    /// The kept pass if it belongs to `key` and reaches `depth` layers; otherwise nil, and
    /// the kept pass's buffers become free for reuse.
    func takeForward(_ key: ForwardPass<Scalar>.Key, depth: Int) -> ForwardPass<Scalar>? {
        if let pass = forward, pass.key == key, pass.depth >= depth {
            forward = nil
            return pass
        }
        releaseForward()
        return nil
    }

    private func releaseForward() {
        guard let pass = forward else { return }
        forward = nil
        give(pass.hidden.dropFirst().map(\.elements) + pass.pooled())
    }
}
