/// One weight of a conv net's first-layer filter as it reads the image: K_1[(channel 0, dy, dx), filter], the
/// weight that output channel `filter` puts on the grey pixel at offset (dy, dx) of its k x k window.
package struct FilterWeight: Equatable, Sendable {
    package var filter: Int
    package var dy: Int
    package var dx: Int
    package var weight: Double

    package init(filter: Int, dy: Int, dx: Int, weight: Double) {
        (self.filter, self.dy, self.dx, self.weight) = (filter, dy, dx, weight)
    }

    /// The filters of K_1 (rows (channel, dy, dx), one column per output channel) on input channel 0, the one
    /// that holds the image (a residual stream's other channels start at 0); filter-major, then dy, then dx.
    static func firstLayer<Scalar: BLASScalar>(_ kernel: Matrix<Scalar>, side k: Int) -> [FilterWeight] {
        (0..<kernel.columns).flatMap { f in
            (0..<(k * k)).map { tap in
                FilterWeight(
                    filter: f, dy: tap / k, dx: tap % k, weight: Double(kernel.elements[tap * kernel.columns + f]))
            }
        }
    }
}
