import Foundation
import GradScopeCore
/// Small statistics over the numbers of a sweep.
package enum Statistics {
    /// The least-squares slope of y against x: sum (x - x̄)(y - ȳ) / sum (x - x̄)^2;
    /// nil with fewer than two distinct x.
    package static func slope(x: [Double], y: [Double]) -> Double? {
        precondition(x.count == y.count, "slope: \(x.count) x values, \(y.count) y values")
        guard x.count >= 2 else { return nil }
        let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
        var sxy = 0.0, sxx = 0.0
        for (a, b) in zip(x, y) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
        }
        return sxx > 0 ? sxy / sxx : nil
    }

    /// The gain per layer of a profile of log10 norms (index 0 = layer 1): the slope
    /// against L - l, in decades per layer towards the input (negative: vanishing).
    package static func gainPerLayer(_ log10Norms: [Double]) -> Double? {
        gainPerLayer(log10Norms.map(Optional.some))
    }

    /// The same slope over the layers that have a value (a layer whose norm was zero has none).
    package static func gainPerLayer(_ log10Norms: [Double?]) -> Double? {
        let depth = log10Norms.count
        let points = log10Norms.enumerated().compactMap { l, m in m.map { (Double(depth - 1 - l), $0) } }
        return slope(x: points.map(\.0), y: points.map(\.1))
    }

    /// The variance of values pooled from groups of equal size given by their means and population
    /// variances: the mean of the variances plus the population variance of the means.
    package static func pooledVariance(_ groups: [(mean: Double, variance: Double)]) -> Double? {
        guard let within = mean(groups.map(\.variance)), let centre = mean(groups.map(\.mean)) else { return nil }
        return within + groups.reduce(0) { $0 + ($1.mean - centre) * ($1.mean - centre) } / Double(groups.count)
    }

    /// The sample standard deviation (divisor n - 1); nil with fewer than two values.
    package static func sampleStd(_ values: [Double]) -> Double? {
        guard values.count >= 2, let m = mean(values) else { return nil }
        return (values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)).squareRoot()
    }

    /// The standard error of the mean of per-seed values: their sample standard deviation over sqrt(n);
    /// nil with fewer than two values.
    package static func standardError(_ values: [Double]) -> Double? {
        sampleStd(values).map { $0 / Double(values.count).squareRoot() }
    }

    /// Mean of the values (nil when empty).
    package static func mean(_ values: [Double]) -> Double? {
        values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
    }
}
