import Foundation

/// The correlation depth scale xi_c measured from the pair correlations c_l of a cell's seeds, fitted only
/// where the data carry it (docs/results.md, "The measured depth scale"):
///
/// 1. The deviation d_l = c̄_l - c* of the seeds' mean from theory's fixed point, and its noise
///    sigma_l = max(s_l, (1 - c̄_l^2) / sqrt(width)) / sqrt(S): s_l the seeds' sample standard deviation
///    pooled over layers l ... L (the spread from this layer on), floored by the sampling error of a
///    correlation over `width` units (Fisher), the least noise a finite width leaves; S the seeds.
/// 2. The fit of ln|d_l| against l runs over the leading layers with |d_l| > 3 sigma_l and stops at the
///    first that is not: past it, the deviation is the noise's, not the approach's.
/// 3. It is reported only where it means what it says: at least 4 layers; a decay (slope < 0) by at least
///    a factor e^1.25 across them (a depth scale longer than the layers that show it is not measured);
///    and one straight line: the slopes of the run's two halves differ by less than a factor 1.5, or by
///    less than twice their standard error (an AR(1) noise model, the noise carried from layer to layer
///    by the map's own slope e^slope). A curved approach (the correlation map far from c*) is not xi_c.
package struct CorrelationDepthScale: Equatable, Sendable {
    /// xi_c = -1 / slope of ln|d_l| against l.
    package let value: Double
    /// The sample standard deviation over sqrt(seeds) of the depth scales fitted to each seed's own
    /// deviations over the same layers; nil with fewer than two seeds whose fit decays.
    package let standardError: Double?
    /// The first and last layer fitted (1-based).
    package let layers: ClosedRange<Int>

    /// Noise multiples a deviation must exceed, the fewest layers, the least decay (in e-folds), and the
    /// largest factor between the halves' slopes that is not called curved.
    static let clearance = 3.0, fewestLayers = 4, leastDecay = 1.25, straightness = 1.5

    /// The depth scale of `seeds` (per seed, c_l for l = 1 ... L; nil where a layer has none) towards
    /// `fixedPoint`, at `width` units per layer; nil where the data do not carry one.
    package static func fit(seeds: [[Double?]], fixedPoint: Double, width: Int) -> CorrelationDepthScale? {
        guard let first = seeds.first, width > 0 else { return nil }
        let count = Double(seeds.count)
        // The layers every seed has, from layer 1 on.
        let depth =
            (0..<first.count).first { l in seeds.contains { $0.indices.contains(l) ? $0[l] == nil : true } }
            ?? first.count
        let values = (0..<depth).map { l in seeds.map { $0[l] ?? 0 } }
        let mean = values.map { $0.reduce(0, +) / count }
        let spread = values.map { Statistics.sampleStd($0).map { $0 * $0 } ?? 0 }
        let suffixVariance = suffixMeans(spread)
        var run = [(layer: Double, deviation: Double, noise: Double)]()
        for l in 0..<depth {
            let floor = (1 - mean[l] * mean[l]) / Double(width).squareRoot()
            let noise = max(suffixVariance[l].squareRoot(), floor) / count.squareRoot()
            let deviation = mean[l] - fixedPoint
            guard abs(deviation) > clearance * noise else { break }
            run.append((Double(l + 1), deviation, noise))
        }
        guard run.count >= fewestLayers, let slope = logSlope(run.map(\.layer), run.map(\.deviation)), slope < 0,
            -slope * (run[run.count - 1].layer - run[0].layer) >= leastDecay, isStraight(run, slope: slope)
        else { return nil }
        let perSeed = seeds.compactMap { seed -> Double? in
            let deviations = run.map { (seed[Int($0.layer) - 1] ?? 0) - fixedPoint }
            guard zip(deviations, run).allSatisfy({ $0 * $1.deviation > 0 }),
                let s = logSlope(run.map(\.layer), deviations), s < 0
            else { return nil }
            return -1 / s
        }
        return CorrelationDepthScale(
            value: -1 / slope, standardError: Statistics.standardError(perSeed),
            layers: Int(run[0].layer)...Int(run[run.count - 1].layer))
    }

    /// mean(values[l...]) for every l: the seeds' variance pooled from a layer on.
    private static func suffixMeans(_ values: [Double]) -> [Double] {
        var means = values, sum = 0.0
        for l in values.indices.reversed() {
            sum += values[l]
            means[l] = sum / Double(values.count - l)
        }
        return means
    }

    /// The least-squares slope of ln|d| against l.
    private static func logSlope(_ layers: [Double], _ deviations: [Double]) -> Double? {
        Statistics.slope(x: layers, y: deviations.map { log(abs($0)) })
    }

    /// Whether the run's two halves (sharing their middle layer) decay at one rate: within a factor
    /// `straightness`, or within twice the standard error of their difference.
    private static func isStraight(_ run: [(layer: Double, deviation: Double, noise: Double)], slope: Double) -> Bool {
        let middle = run.count / 2
        let halves = [Array(run[...middle]), Array(run[middle...])]
        let slopes = halves.map { logSlope($0.map(\.layer), $0.map(\.deviation)) }
        guard let s1 = slopes[0], let s2 = slopes[1], s1 < 0, s2 < 0 else { return false }
        guard max(s1 / s2, s2 / s1) > straightness else { return true }
        let errors = halves.map { slopeError($0, correlation: exp(slope)) }
        return abs(s1 - s2) <= 2 * (errors[0] * errors[0] + errors[1] * errors[1]).squareRoot()
    }

    /// The standard error of the slope of ln|d_l| when d_l carries noise sigma_l correlated from layer to
    /// layer as rho^|l - m| (ln|d| then carries sigma_l / |d_l|): sqrt(w^T C w), w the least-squares weights.
    private static func slopeError(
        _ points: [(layer: Double, deviation: Double, noise: Double)], correlation rho: Double
    )
        -> Double
    {
        let centre = points.reduce(0) { $0 + $1.layer } / Double(points.count)
        let spread = points.reduce(0) { $0 + ($1.layer - centre) * ($1.layer - centre) }
        let weights = points.map { ($0.layer - centre) / spread * $0.noise / abs($0.deviation) }
        var variance = 0.0
        for (i, a) in points.enumerated() {
            for (j, b) in points.enumerated() {
                variance += weights[i] * weights[j] * pow(rho, abs(a.layer - b.layer))
            }
        }
        return max(0, variance).squareRoot()
    }
}
