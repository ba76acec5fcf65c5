import GradScopeCore
import GradScopeResults
import HeapModule
/// What each run of a sweep will cost, in the order the runs execute: the weights of the progress bar.
///
/// The unit is a float64 GEMM FLOP on one core; other work is converted at the rates measured on
/// the bench machines (docs/performance.md: a normal draw costs about 160 GEMM FLOPs, a FLOP of the
/// Householder QR of `orthogonal` about 4, an elementwise pass about 600 per entry, and every layer
/// and run a fixed overhead). Runs of one weight family share their weights: the first run draws
/// W_1 ... W_L, a deeper one later only the layers it adds.
enum WorkModel {
    static let normal = 160.0, qrFlop = 4.0, entry = 600.0, layer = 2e6, run = 3e7

    /// The cost of each run of each family, in the families' order.
    static func costs(_ families: [[(GridCell, Int)]]) -> [[Double]] {
        families.map { family in
            var drawn = 0
            return family.map { item in
                let cell = item.0.cell
                defer { drawn = max(drawn, cell.depth) }
                return cost(of: item.0, drawingLayers: max(0, cell.depth - drawn))
            }
        }
    }

    /// When the last worker finishes: each worker is free from its time in `free`, and each item, in order, goes
    /// to the worker free first and keeps it for its `length` (as the runner hands out families). 0 with no workers.
    static func scheduleEnd(free: [Double], lengths: some Sequence<Double>) -> Double {
        var workers = Heap(free)
        for length in lengths {
            guard let earliest = workers.popMin() else { break }
            workers.insert(earliest + length)
        }
        return workers.max ?? 0
    }

    /// One run of `cell` that draws `layers` new weight matrices.
    static func cost(of cell: GridCell, drawingLayers layers: Int) -> Double {
        let c = cell.cell
        let (w, b, l) = (Double(c.width), Double(c.batch), Double(c.depth))
        let qr = RunEstimate.qrFlops(c)
        // The estimate counts one QR per layer and run; here the family's first run to reach a layer draws it.
        let compute = cell.estimate.flops - qr * l
        let draw = w * w * normal + qr * qrFlop
        return compute + Double(layers) * draw + 3 * b * w * l * entry + l * layer + run
    }
}
