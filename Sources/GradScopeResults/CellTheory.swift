import GradScopeCore
import Foundation

/// Mean-field theory's numbers for one cell, as the exports need them.
package struct CellTheory: Sendable {
    /// Per layer l = 1 ... L: the predicted E||D_{l-1}||^2 / E||D_l||^2 (1 for layer 1).
    package let squaredGains: [Double]
    /// The fixed point q* of the variance map (infinity if q grows without bound) and chi_1 = chi(q*).
    package let fixedPoint: Double
    package let chiAtFixedPoint: Double
    /// `ordered`, `critical` or `chaotic`.
    package let phase: Phase
    /// The correlation map (plain networks): c_l per layer l = 1 ... L from the inputs' correlation, the
    /// stable fixed point c* and the map's slope chi_c there; empty and nil where theory has none.
    package var correlations: [Double] = []
    /// sigma_w^2 and sigma_b^2 as the theory reads them from the cell (nil where it was built otherwise).
    package var weightVariance: Double?
    package var biasVariance: Double?
    package var correlationFixedPoint: (c: Double, chi: Double)?

    package init(squaredGains: [Double], fixedPoint: Double, chiAtFixedPoint: Double, phase: Phase) {
        (self.squaredGains, self.fixedPoint, self.chiAtFixedPoint, self.phase) = (
            squaredGains, fixedPoint, chiAtFixedPoint, phase
        )
    }

    /// xi_c = -1 / ln chi_c, the depth over which the correlation approaches c* by a factor e; nil where
    /// chi_c is not in (0, 1).
    package var correlationDepthScale: Double? {
        guard let chi = correlationFixedPoint?.chi, chi > 0, chi < 1 else { return nil }
        return -1 / log(chi)
    }

    /// xi = 1 / |ln chi_1|, the depth over which gradients change by e; nil at criticality.
    package var depthScale: Double? {
        phase == .critical ? nil : 1 / abs(log(chiAtFixedPoint))
    }

    /// The predicted mean log10 ||D_l|| per layer (index l - 1), anchored at `last`, the measured value at layer L:
    /// log10 ||D_{l-1}|| = log10 ||D_l|| + log10(gain_l) / 2.
    package func zProfile(anchoredAt last: Double) -> [Double] {
        var profile = [last]
        for l in stride(from: squaredGains.count, to: 1, by: -1) {
            profile.append(profile[profile.count - 1] + log10(squaredGains[l - 1]) / 2)
        }
        return profile.reversed()
    }
}
