import ArgumentParser
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeReport

/// `gradscope activations`: each activation and its derivative on a grid, as CSV.
struct ActivationsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activations",
        abstract: "Tabulate every activation phi and its derivative phi' as CSV (or, with --svg, draw them) on stdout.",
        discussion: "The first picture of the vanishing-gradient story: sigmoid' peaks at 0.25."
    )

    @Option(parsing: .unconditional, help: "First x.") var from = -6.0
    @Option(parsing: .unconditional, help: "Last x.") var to = 6.0
    @Option(help: "Number of points, from and to included (2 ... 1000000; --svg draws at most 2001).") var points = 121
    @Flag(help: "Draw them as an SVG picture (one panel per activation) instead of the CSV table.") var svg = false

    func validate() throws {
        guard from.isFinite, to.isFinite, from < to else {
            throw ValidationError("--from must be below --to (finite numbers)")
        }
        guard (2...1_000_000).contains(points) else {
            throw ValidationError("--points must be in 2 ... 1000000, got \(points)")
        }
    }

    func run() {
        if svg {
            print(Report.activationsSVG(from: from, to: to, points: min(points, 2001)))
            return
        }
        let header = ["x"] + Activation.allCases.flatMap { [$0.rawValue, "\($0.rawValue)_derivative"] }
        var table = CSVTable(header: header)
        for i in 0..<points {
            let x = i == points - 1 ? to : from + (to - from) * Double(i) / Double(points - 1)
            table.append(
                [CSVTable.number(x) ?? "0"]
                    + Activation.allCases.flatMap { [CSVTable.number($0.value(x)), CSVTable.number($0.derivative(x))] })
        }
        print(String(decoding: table.data, as: UTF8.self), terminator: "")
    }
}
