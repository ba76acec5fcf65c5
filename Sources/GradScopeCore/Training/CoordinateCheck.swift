/// One layer at one recorded step of the coordinate check (microsoft/mup): on a fixed batch, the mean absolute
/// entry of H_l (`actL1`) and of H_l(step) - H_l(0) (`deltaL1`); layer L + 1 is the readout's logits H_L V.
package struct Coordinate: Equatable, Sendable {
    package var actL1: Double
    package var deltaL1: Double

    package init(actL1: Double, deltaL1: Double) { (self.actL1, self.deltaL1) = (actL1, deltaL1) }
}

/// The coordinate check of a training run: the batch a measurement of the cell at initialisation reads, kept
/// fixed, and its layers' states at step 0.
struct CoordinateCheck<Kind: LayerKind> {
    typealias Scalar = Kind.Scalar
    let batch: Matrix<Scalar>
    let objective: Objective
    /// H_1 ... H_L (and the logits) at the first recorded step, in float64.
    private var initial: [[Double]] = []

    /// The check on `network`'s current batch (its initial one).
    init(_ network: Network<Kind>) {
        (batch, objective) = (network.input, network.objective)
    }

    /// The coordinates of every layer of `network` as it stands (and of the logits through `readout`, when the
    /// loss has one); nil when the forward pass fails. The first call fixes the step-0 states.
    mutating func record(_ network: Network<Kind>, readout: Matrix<Double>?) throws(ShapeError)
        -> [Coordinate]?
    {
        try network.setBatch(batch, objective: objective)
        guard network.forward(from: 0) == .ok else { return nil }
        var states = (1...network.cell.depth).map { network.hidden[$0].converted(to: Double.self).elements }
        if let readout {
            states.append(
                network.hidden[network.cell.depth].converted(to: Double.self).multiplied(by: readout).elements)
        }
        if initial.isEmpty { initial = states }
        return zip(states, initial).map { now, start in
            var total = 0.0, moved = 0.0
            for i in now.indices {
                total += abs(now[i])
                moved += abs(now[i] - start[i])
            }
            let count = Double(max(1, now.count))
            return Coordinate(actL1: total / count, deltaL1: moved / count)
        }
    }
}
