/// Quantiles of samples.
package enum Quantile {
    /// The p-quantile of ascending `sorted` values by linear interpolation between order statistics
    /// (Hyndman & Fan type 7, the default of R and NumPy): position (n - 1) p. NaN when empty.
    package static func of(sorted: [Double], _ p: Double) -> Double {
        guard let first = sorted.first else { return .nan }
        let position = Double(sorted.count - 1) * p
        let below = Int(position.rounded(.down)), fraction = position - Double(below)
        guard below + 1 < sorted.count else { return sorted[sorted.count - 1] }
        return below < 0 ? first : sorted[below] + fraction * (sorted[below + 1] - sorted[below])
    }
}
