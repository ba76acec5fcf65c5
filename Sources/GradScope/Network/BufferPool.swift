/// Arrays of one element type handed from one network to the next on the same thread, so that
/// a sweep does not allocate, zero and page in every per-layer buffer for every run.
///
/// It holds at most the buffers of the last network: asking for a size it does not hold
/// first lets go of every array of another size.
final class BufferPool<Scalar: BLASScalar> {
    private var free: [[Scalar]] = []

    /// An array of `count` elements with unspecified contents (zeros when newly allocated).
    func take(count: Int) -> [Scalar] {
        if let last = free.last, last.count == count { return free.removeLast() }
        if let i = free.lastIndex(where: { $0.count == count }) { return free.remove(at: i) }
        free.removeAll()
        return [Scalar](repeating: 0, count: count)
    }

    /// Keeps `arrays` for the next `take`.
    func give(_ arrays: [[Scalar]]) {
        free.append(contentsOf: arrays)
    }
}
