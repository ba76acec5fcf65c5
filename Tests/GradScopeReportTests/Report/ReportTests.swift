import Foundation
import GradScopeCore
import GradScopeReport
import GradScopeResults
import GradScopeSweep
import GradScopeTestSupport
#if canImport(FoundationXML)
    import FoundationXML
#endif
import Testing

/// The elements of an XML document, each with its attributes and text (a minimal DOM).
final class Elements: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
    }
    var all = [Element]()
    private var open = [Int]()

    /// Parses `data`; nil (with the parser's error) when it is not well-formed XML.
    static func parse(_ data: Data) -> (Elements?, String) {
        let parser = XMLParser(data: data), elements = Elements()
        parser.delegate = elements
        return parser.parse()
            ? (elements, "") : (nil, "\(parser.parserError.map { "\($0)" } ?? "?") at line \(parser.lineNumber)")
    }

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        open.append(all.count)
        all.append(Element(name: name, attributes: attributes))
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { for i in open { all[i].text += string } }

    func named(_ name: String, class className: String? = nil) -> [Element] {
        all.filter { $0.name == name && (className == nil || $0.attributes["class"] == className) }
    }
}

@Suite("Report")
struct ReportTests {
    static let config = """
        {"name": "pictures", "width": 16, "batch": 8, "seeds": 2, "jacobian": true,
         "train": {"steps": 10, "record_every": 5, "train_size": 32, "learning_rate": 0.01},
         "sweep": {"activation": ["tanh", "relu"], "depth": [2, 3, 5]}}
        """

    /// The figures of the drawn folder's page, and its SVG elements (the gradient figure holds three).
    static let figures = 7, svgs = 9

    /// A finished sweep with every kind of table, drawn by `gradscope report`.
    func drawnFolder() async throws -> URL {
        let folder = try temporaryFolder()
        let config = try write(Self.config, to: folder, as: "pictures.json")
        #expect(try await runGradscope(["run", config, "--output", folder.path, "--quiet"]).status == 0)
        let report = try await runGradscope(["report", folder.path])
        #expect(report.status == 0 && report.stderr.contains("\(Self.figures) figures"), "\(report.stderr)")
        return folder.appendingPathComponent("pictures")
    }

    func csv(_ url: URL) throws -> [[String: String]] { try csvRows(url) }

    @Test("report.html and every SVG parse; each figure has its title, axes, labels and one line per cell")
    func wellFormed() async throws {
        let folder = try await drawnFolder()
        let figures = [
            "gradient-z", "gradient-h", "gradient-w", "gain-heatmap", "gain-against-depth", "saturation",
            "jacobian-spectrum",
            "training-loss", "training-update",
        ]
        for name in figures {
            let (svg, error) = Elements.parse(try Data(contentsOf: folder.appendingPathComponent(name + ".svg")))
            let elements = try #require(svg, "\(name).svg: \(error)")
            #expect(
                elements.all.first?.name == "svg"
                    && elements.all.first?.attributes["xmlns"] == "http://www.w3.org/2000/svg")
            #expect(!elements.named("text", class: "title").isEmpty, "\(name) has no title")
            guard name != "gain-heatmap" else {
                #expect(elements.named("rect", class: "cell").count == 6)  // 2 activations x 3 depths
                continue
            }
            guard name != "gain-against-depth" else {
                // one line per activation (the first axis) over the three depths, the gain from summary.csv
                let summary = try csv(folder.appendingPathComponent("summary.csv"))
                let lines = elements.named("path", class: "line")
                #expect(lines.count == 2)
                for line in lines {
                    let activation = try #require(line.attributes["data-cell"])
                    let expected = summary.filter { $0["activation"] == activation }.map {
                        Double($0["z_log10_gain_per_layer"]!)!
                    }
                    let plotted = try #require(line.attributes["data-y"]).split(separator: " ").map { Double($0)! }
                    #expect(plotted == expected, "\(activation)")
                }
                continue
            }
            #expect(
                !elements.named("rect", class: "axes").isEmpty && !elements.named("text", class: "x-label").isEmpty
                    && !elements.named("text", class: "y-label").isEmpty
                    && elements.named("text", class: "tick").count >= 4, "\(name) lacks axes or labels")
            #expect(elements.named("path", class: "line").count == 6, "\(name): one line per cell")
            #expect(elements.named("text", class: "legend").count >= 3, "\(name): the legend names the swept values")
        }
        let (page, error) = Elements.parse(try Data(contentsOf: folder.appendingPathComponent("report.html")))
        let html = try #require(page, "report.html: \(error)")
        #expect(html.named("figure").count == Self.figures && html.named("svg").count == Self.svgs)
        #expect(html.named("script").isEmpty && !html.all.contains { ($0.attributes["src"] ?? "").hasPrefix("http") })
        #expect(html.named("td").contains { $0.text.contains("OpenBLAS") })
    }

    @Test("The numbers plotted are the numbers in the CSV files, and the drawn coordinates follow them on one scale")
    func numbersMatch() async throws {
        let folder = try await drawnFolder()
        let layers = try csv(folder.appendingPathComponent("layers.csv"))
        let svg = try #require(Elements.parse(try Data(contentsOf: folder.appendingPathComponent("gradient-z.svg"))).0)
        var pairs = [(Double, Double)]()
        for line in svg.named("path", class: "line") {
            let cell = try #require(line.attributes["data-cell"])
            let expected = layers.filter { $0["cell"] == cell }.map { Double($0["log10_grad_z_norm_mean"]!)! }
            let plotted = line.attributes["data-y"]!.split(separator: " ").map { Double($0)! }
            #expect(plotted == expected, "cell \(cell)")
            // "M x y L x y ...": pixel y against the value must be one affine map for the whole figure.
            let ys = line.attributes["d"]!.split(whereSeparator: { $0 == "M" || $0 == "L" }).map {
                $0.split(separator: " ").map { Double($0)! }[1]
            }
            pairs += zip(plotted, ys).map { ($0, $1) }
        }
        let (a, b) = (pairs.min { $0.0 < $1.0 }!, pairs.max { $0.0 < $1.0 }!)
        for (value, y) in pairs {
            let predicted = a.1 + (value - a.0) / (b.0 - a.0) * (b.1 - a.1)
            #expect(abs(predicted - y) < 0.02, "\(value) drawn at \(y), expected \(predicted)")
        }
        #expect(b.1 < a.1, "larger values are drawn higher")
        let summary = try csv(folder.appendingPathComponent("summary.csv"))
        let heat = try #require(
            Elements.parse(try Data(contentsOf: folder.appendingPathComponent("gain-heatmap.svg"))).0)
        for rect in heat.named("rect", class: "cell") {
            let row = try #require(summary.first { $0["cell"] == rect.attributes["data-cell"] })
            #expect(Double(rect.attributes["data-value"]!) == Double(row["z_log10_gain_per_layer"]!))
        }
    }

    @Test(
        """
        Recurrent training: the loss figure draws the adding baseline 1/6, and the gradient figure plots \
        log10 ||dLoss/dh_t|| at the first and the last step from training.csv
        """)
    func recurrentTraining() async throws {
        let folder = try temporaryFolder()
        let config = try write(
            """
            {"name": "sequences", "width": 4, "batch": 8, "seeds": 2, "depth": 4, "input_size": 2,
             "train": {"steps": 4, "record_every": 2, "train_size": 32, "learning_rate": 0.01, "task": "adding"},
             "sweep": {"architecture": ["rnn", "lstm"]}}
            """, to: folder, as: "sequences.json")
        #expect(try await runGradscope(["run", config, "--output", folder.path, "--quiet"]).status == 0)
        #expect(try await runGradscope(["report", folder.path]).status == 0)
        let results = folder.appendingPathComponent("sequences")
        func figure(_ name: String) throws -> Elements {
            try #require(Elements.parse(try Data(contentsOf: results.appendingPathComponent(name + ".svg"))).0)
        }
        let baseline = try figure("training-loss").named("path", class: "baseline")
        #expect(baseline.count == 1)
        for line in baseline {
            let ys = try #require(line.attributes["data-y"]).split(separator: " ").map { Double($0)! }
            #expect(ys.count == 2 && ys.allSatisfy { abs($0 - log10(1.0 / 6)) < 1e-12 })
        }
        let training = try csv(results.appendingPathComponent("training.csv"))
        let gradient = try figure("training-update")
        let lines = gradient.named("path", class: "line") + gradient.named("path", class: "first-layer")
        #expect(lines.count == 4)  // two cells, steps 1 and T
        for line in lines {
            let cell = try #require(line.attributes["data-cell"])
            let step = line.attributes["class"] == "first-layer" ? "1" : "4"
            let rows = training.filter { $0["cell"] == cell && $0["layer"] == step }
            let expected = [0, 2, 4].map { recorded in
                let values = rows.filter { $0["step"] == "\(recorded)" }.map { Double($0["log10_grad_h_norm"]!)! }
                return values.reduce(0, +) / Double(values.count)
            }
            let plotted = try #require(line.attributes["data-y"]).split(separator: " ").map { Double($0)! }
            #expect(zip(plotted, expected).allSatisfy { abs($0 - $1) < 1e-12 }, "\(cell) step \(step)")
        }
    }

    @Test(
        """
        A grid over sigma_w^2 and sigma_b^2 draws the phase diagram: measured log10 chi_1 and log10 xi_c from \
        summary.csv, and theory's line chi_1 = 1 at its sigma_w^2
        """)
    func phaseDiagram() async throws {
        let folder = try temporaryFolder()
        let config = try write(
            """
            {"name": "phases", "activation": "tanh", "depth": 8, "width": 64, "batch": 16, "seeds": 1,
             "loss": "probe", "input_correlation": 0.8, "init": {"name": "variance_scaling"},
             "sweep": {"bias_std": [0.1, 0.3], "init.scale": [1.0, 1.5, 2.0, 3.0]}}
            """, to: folder, as: "phases.json")
        #expect(try await runGradscope(["run", config, "--output", folder.path, "--quiet"]).status == 0)
        #expect(try await runGradscope(["report", folder.path]).status == 0)
        let results = folder.appendingPathComponent("phases")
        let summary = try csv(results.appendingPathComponent("summary.csv"))
        for (name, column, transform) in [
            ("phase-chi", "z_log10_gain_per_layer", { (v: Double) in 2 * v }),
            ("phase-xi", "correlation_depth_scale", { (v: Double) in log10(v) }),
        ] {
            let svg = try #require(
                Elements.parse(try Data(contentsOf: results.appendingPathComponent(name + ".svg"))).0)
            let squares = svg.named("rect", class: "cell")
            #expect(squares.count == 8, "\(name): a square per (sigma_w^2, sigma_b^2)")
            for square in squares {
                let row = try #require(summary.first { $0["cell"] == square.attributes["data-cell"] })
                let expected = row[column].flatMap(Double.init).map(transform)
                let drawn = square.attributes["data-value"].flatMap(Double.init)
                #expect((drawn == nil) == (expected == nil), "\(name): \(String(describing: drawn))")
                if let drawn, let expected { #expect(abs(drawn - expected) < 1e-9 * max(1, abs(expected))) }
            }
            let line = try #require(svg.named("path", class: "theory").first)
            let xs = try #require(line.attributes["data-x"]).split(separator: " ").map { Double($0)! }
            let columns = [1.0, 1.5, 2.0, 3.0]
            for (i, b) in [0.01, 0.09].enumerated() {
                let w = try #require(MeanField.criticalWeightVariance(.tanh, biasVariance: b))
                let j = try #require(columns.indices.dropLast().first { columns[$0 + 1] >= w })
                let x = Double(j) + (w - columns[j]) / (columns[j + 1] - columns[j])
                #expect(abs(xs[i] - x) < 1e-3, "\(name) row \(i): line at \(xs[i]), theory \(x)")
            }
        }
    }

    @Test(
        """
        Training over depth x sigma_w^2 draws the trainability map: log10(final / initial test loss) from \
        training_summary.csv, with theory's L = xi_c and L = 6 xi_c at their depths
        """)
    func trainability() async throws {
        let folder = try temporaryFolder()
        let config = try write(
            """
            {"name": "depths", "activation": "tanh", "width": 16, "batch": 16, "seeds": 1, "bias_std": 0.3,
             "loss": "cross_entropy", "classes": 3, "init": {"name": "variance_scaling"},
             "train": {"steps": 4, "record_every": 2, "train_size": 64, "task": "clusters"},
             "sweep": {"depth": [2, 6, 40], "init.scale": [0.8, 1.3, 3.0]}}
            """, to: folder, as: "depths.json")
        #expect(try await runGradscope(["run", config, "--output", folder.path, "--quiet"]).status == 0)
        #expect(try await runGradscope(["report", folder.path]).status == 0)
        let results = folder.appendingPathComponent("depths")
        let training = try csv(results.appendingPathComponent("training_summary.csv"))
        let summary = try csv(results.appendingPathComponent("summary.csv"))
        let svg = try #require(
            Elements.parse(try Data(contentsOf: results.appendingPathComponent("trainability.svg"))).0)
        let squares = svg.named("rect", class: "cell")
        #expect(squares.count == 9)
        for square in squares {
            let row = try #require(training.first { $0["cell"] == square.attributes["data-cell"] })
            let expected = log10(Double(row["final_test_loss"]!)! / Double(row["initial_test_loss"]!)!)
            let drawn = try #require(square.attributes["data-value"].flatMap(Double.init))
            #expect(abs(drawn - expected) < 1e-9)
        }
        let depths = [2.0, 6, 40]
        for line in svg.named("path", class: "theory") {
            let multiple = line.attributes["data-label"] == "L = 6 xi_c" ? 6.0 : 1.0
            let xs = try #require(line.attributes["data-x"]).split(separator: " ").map { Double($0)! }
            let ys = try #require(line.attributes["data-y"]).split(separator: " ").map { Double($0)! }
            for (x, y) in zip(xs, ys) {
                let scale = ["0.8", "1.3", "3.0"][Int(x)]
                let xi = try #require(
                    summary.first { $0["init"]?.contains("scale=\(scale)") == true }?["theory_xi_c"].flatMap(
                        Double.init))
                let depth = multiple * xi
                let i = depth <= depths[1] ? 0 : 1
                #expect(abs(y - (Double(i) + (depth - depths[i]) / (depths[i + 1] - depths[i]))) < 1e-9)
            }
        }
        #expect(!svg.named("path", class: "theory").isEmpty, "some curve lies within the grid's depths")
    }

    @Test("activations --svg draws phi and phi' for every activation")
    func activations() async throws {
        let result = try await runGradscope(["activations", "--svg"])
        let svg = try #require(Elements.parse(Data(result.stdout.utf8)).0)
        #expect(svg.named("path", class: "line").count == 20 && svg.named("text", class: "panel-title").count == 10)
        let sigmoid = try #require(
            svg.named("path", class: "line").first {
                $0.attributes["data-cell"] == "sigmoid" && $0.attributes["stroke-dasharray"] != nil
            })
        #expect(sigmoid.attributes["data-y"]!.split(separator: " ").compactMap { Double($0) }.max() == 0.25)
    }

    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    @Test(
        "Rendered by a real browser (headless Chromium): the page shows all its figures and is not blank",
        .enabled(if: chromium != nil, "needs Chromium (CI installs Debian's chromium)"))
    func browser() async throws {
        let folder = try await drawnFolder()
        let page = folder.appendingPathComponent("report.html"), shot = folder.appendingPathComponent("screenshot.png")
        func chrome(_ arguments: [String]) async throws -> String {
            let flags = [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                "--user-data-dir=\(folder.path)/chrome",
            ]
            return try await runProcess(Self.chromium!, flags + arguments + [page.absoluteString])
        }
        let dom = try await chrome(["--dump-dom"])
        #expect(
            dom.components(separatedBy: "<figure").count - 1 == Self.figures
                && dom.components(separatedBy: "<svg").count - 1 == Self.svgs)
        _ = try await chrome(["--window-size=1200,3000", "--screenshot=\(shot.path)"])
        let colours = try await runProcess(
            "/usr/bin/python3",
            [
                repositoryRoot.appendingPathComponent("Tests/GradScopeReportTests/Support/png_colours.py").path,
                shot.path,
            ])
        let counts = colours.split(separator: " ").compactMap {
            Int($0.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        try #require(counts.count == 2, "png_colours.py: \(colours)")
        #expect(counts[0] >= 50, "only \(counts[0]) distinct colours: blank?")
        #expect(counts[1] >= 2000, "only \(counts[1]) non-white pixels")
    }
}

/// Runs `executable` and returns its standard output.
func runProcess(_ executable: String, _ arguments: [String]) async throws -> String {
    try await ChildProcess.run(executable, arguments).standardOutput
}
