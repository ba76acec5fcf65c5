import GradScopeResults
/// Colours that stay distinct for every common colour-vision deficiency.
enum Palette {
    /// Okabe & Ito (2008), black last.
    static let categorical = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000"]

    static func colour(_ index: Int) -> String { categorical[index % categorical.count] }

    /// A diverging blue-white-orange scale for t in [-1, 1] (negative blue: vanishing; positive orange: exploding).
    static func diverging(_ t: Double) -> String {
        let (negative, middle, positive) = ((33.0, 102.0, 172.0), (247.0, 247.0, 247.0), (179.0, 88.0, 6.0))
        let s = Swift.min(1, Swift.max(-1, t.isFinite ? t : 0))
        let end = s < 0 ? negative : positive, f = Swift.abs(s)
        let channel = { (a: Double, b: Double) in Int((a + (b - a) * f).rounded()) }
        return String(
            format: "#%02X%02X%02X", channel(middle.0, end.0), channel(middle.1, end.1), channel(middle.2, end.2))
    }
}
