import GradScopeResults
import Foundation
import Plot

extension Report {
    /// The page: a title, the sweep's facts, then each figure inline (the gradient figure with
    /// z, h and w to choose by CSS-only tabs) with a caption and a link to its SVG file.
    func html(_ figures: [[Figure]]) -> String {
        let name = tables.manifest.name.isEmpty ? "results" : tables.manifest.name
        var body: [Node<HTML.BodyContext>] = [
            .element(named: "h1", text: "gradscope report: \(name)"),
            .element(named: "p", text: tables.manifest.description),
            factsTable(),
        ]
        for group in figures {
            body.append(figureNode(group))
        }
        let page = HTML(
            .head(.title("gradscope: \(name)"), .element(named: "style", text: Report.css)),
            .body(.group(body))
        )
        return page.render(indentedBy: .spaces(1))
    }

    func figureNode(_ group: [Figure]) -> Node<HTML.BodyContext> {
        var nodes = [Node<HTML.BodyContext>]()
        if group.count > 1 {
            for (i, figure) in group.enumerated() {
                let id = "tab-\(figure.name)"
                var input: [Attribute<HTML.BodyContext>] = [
                    .attribute(named: "type", value: "radio"),
                    .attribute(named: "name", value: "tabs-\(group[0].name)"),
                    .attribute(named: "id", value: id), .attribute(named: "class", value: "tab-\(i)"),
                ]
                if i == 0 { input.append(.attribute(named: "checked", value: "checked")) }
                nodes.append(.selfClosedElement(named: "input", attributes: input))
                nodes.append(
                    .element(
                        named: "label",
                        nodes: [
                            .attribute(named: "for", value: id),
                            .text(String(figure.name.split(separator: "-").last ?? "")),
                        ]))
            }
        }
        for (i, figure) in group.enumerated() {
            nodes.append(
                .element(
                    named: "div",
                    nodes: [
                        .attribute(named: "class", value: group.count > 1 ? "panel panel-\(i)" : "panel"),
                        .element(
                            named: "svg", nodes: SVG.root(figure.nodes, width: figure.width, height: figure.height)),
                        .element(
                            named: "figcaption",
                            nodes: [
                                .text(figure.caption + " "),
                                .element(
                                    named: "a",
                                    nodes: [
                                        .attribute(named: "href", value: figure.name + ".svg"),
                                        .text(figure.name + ".svg"),
                                    ]),
                            ]),
                    ]))
        }
        return .element(named: "figure", nodes: [.attribute(named: "id", value: group[0].name)] + nodes)
    }

    /// ", chosen by gradscope: <why>" when the manifest says who chose the BLAS core (else nothing).
    private func chosenBy(_ m: Manifest) -> String {
        m.blasCoreChosenBy.isEmpty ? "" : ", chosen by \(m.blasCoreChosenBy): \(m.blasCoreReason)"
    }

    /// The sweep's parameters, gradscope's version, the BLAS, dates and timings.
    func factsTable() -> Node<HTML.BodyContext> {
        let m = tables.manifest
        let seconds = m.cells.compactMap(\.seconds).reduce(0, +)
        var facts: [(String, String)] = [
            ("config", m.configFile),
            ("swept", tables.axes.isEmpty ? "nothing (one cell)" : tables.axes.joined(separator: " x ")),
            ("cells x seeds", "\(m.cells.count) x \(m.seeds.count) (runs done: \(m.runsDone) of \(m.runsTotal))"),
            ("gradscope", m.gradscopeVersion),
            ("BLAS", "\(m.blasConfig) (core \(m.blasCore.isEmpty ? "?" : m.blasCore)\(chosenBy(m)))"),
            ("started / finished (UTC)", "\(m.started) / \(m.finished)"),
            ("compute time (sum over runs)", Format.duration(seconds)),
        ]
        // The config's own keys in the order the user wrote them, then the sweep.
        let given = m.config.members
        facts += given.filter { !["name", "description", "sweep"].contains($0.key) }.map {
            ($0.key, $0.value.compactText)
        }
        if let sweep = m.config["sweep"] { facts.append(("sweep", sweep.compactText)) }
        return .element(
            named: "table",
            nodes: [.attribute(named: "class", value: "facts")]
                + facts.map { key, value in
                    .element(
                        named: "tr", nodes: [.element(named: "th", text: key), .element(named: "td", text: value)])
                })
    }

    static let css = """
        body { font-family: DejaVu Sans, Helvetica, Arial, sans-serif; margin: 24px auto; max-width: 1120px;
            color: #222; }
        h1 { font-size: 22px; }
        table.facts { border-collapse: collapse; font-size: 13px; margin-bottom: 24px; }
        table.facts th { text-align: left; padding: 3px 14px 3px 0; color: #555; font-weight: normal;
            vertical-align: top; }
        table.facts td { padding: 3px 0; font-family: DejaVu Sans Mono, monospace; }
        figure { margin: 0 0 36px 0; border-top: 1px solid #ddd; padding-top: 12px; }
        figcaption { font-size: 13px; color: #444; margin-top: 4px; }
        svg { max-width: 100%; height: auto; }
        figure input { display: none; }
        figure label { display: inline-block; padding: 4px 14px; margin-right: 4px; border: 1px solid #bbb;
            border-radius: 4px; cursor: pointer; font-size: 13px; }
        figure input:checked + label { background: #0072B2; color: white; border-color: #0072B2; }
        figure .panel-1, figure .panel-2 { display: none; }
        .tab-0:checked ~ .panel-0 { display: block; }
        .tab-1:checked ~ .panel-0, .tab-2:checked ~ .panel-0 { display: none; }
        .tab-1:checked ~ .panel-1, .tab-2:checked ~ .panel-2 { display: block; }
        """
}
