import Foundation
import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeTestSupport
import Testing

/// Random mutations of the shipped configs: each must load or fail with messages; none may crash.
@Suite("Config loader fuzzing")
struct FuzzTests {
    static let tokens: [String] = [
        "{", "}", "[", "]", ",", ":", "\"", "null", "true", "false", "-1", "0", "1e999", "-1e999", "1e308",
        "99999999999999999999999", "-0", "0.5", "\"sigmoid\"", "\"\\u0000\"", "\"\\ud800\"", "[]", "{}",
        "\"init.gain\"",
        "\"sweep\"", "\"depth\"", "[[[[[[[[", "\u{FF}", "\u{0}", "1.5e-400", "\"name\"", "9223372036854775807",
    ]

    /// Deterministic pseudo-random numbers for the mutations.
    struct Dice {
        let stream = RandomStream(seed: 2026, purpose: "fuzz")
        var position = 0
        mutating func roll(_ n: Int) -> Int {
            defer { position += 1 }
            return Int(stream.uniform(count: position + 1)[position] * Double(n))
        }
    }

    /// One mutation of `text`: byte flips, deleted or duplicated spans, inserted tokens, replaced numbers.
    static func mutate(_ text: [UInt8], _ u: [Double]) -> [UInt8] {
        var bytes = text
        func pick(_ n: Int, _ k: Int) -> Int { min(n - 1, Int(u[k % u.count] * Double(n))) }
        for step in 0..<(1 + pick(3, 0)) {
            guard !bytes.isEmpty else { break }
            let at = pick(bytes.count, step * 5 + 1), length = 1 + pick(12, step * 5 + 2)
            let end = min(bytes.count, at + length)
            switch pick(5, step * 5 + 3) {
            case 0: bytes[at] ^= UInt8(1 << pick(8, step * 5 + 4))
            case 1: bytes.removeSubrange(at..<end)
            case 2: bytes.insert(contentsOf: bytes[at..<end], at: at)
            case 3: bytes.insert(contentsOf: Array(tokens[pick(tokens.count, step * 5 + 4)].utf8), at: at)
            default:
                // Replace a number with a huge, negative or wrong-typed value.
                if let digit = bytes[at...].firstIndex(where: { (48...57).contains($0) }) {
                    var last = digit
                    while last + 1 < bytes.count, (48...57).contains(bytes[last + 1]) || bytes[last + 1] == 46 {
                        last += 1
                    }
                    bytes.replaceSubrange(
                        digit...last,
                        with: Array(
                            ["1e400", "-5", "\"8\"", "[1]", "null", "3.5", "100000"][pick(7, step * 5 + 4)].utf8))
                }
            }
        }
        return bytes
    }

    static func shippedConfigs() throws -> [(String, [UInt8])] {
        let folder = repositoryRoot.appendingPathComponent("experiments")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }
            .sorted().map {
                ($0, [UInt8](try Data(contentsOf: folder.appendingPathComponent($0))))
            }
    }

    @Test("10,000 mutations: each loads or fails with one-line messages naming the file")
    func mutations() throws {
        let configs = try Self.shippedConfigs()
        let u = RandomStream(seed: 7, purpose: "fuzz").uniform(count: 10_000 * 16)
        var loaded = 0, rejected = 0
        for i in 0..<10_000 {
            let (name, text) = configs[i % configs.count]
            let mutated = Self.mutate(text, Array(u[(i * 16)..<(i * 16 + 16)]))
            do {
                let e = try ExperimentLoader.load(bytes: mutated, file: name)
                #expect(!e.cells.isEmpty && !e.seeds.isEmpty)
                if loaded % 50 == 0 {  // a config that loads, loads the same way again: the same cells, ids and hash
                    let again = try ExperimentLoader.load(bytes: mutated, file: name)
                    #expect(again.cells.map(\.id) == e.cells.map(\.id) && again.configHash == e.configHash)
                }
                loaded += 1
            } catch {
                rejected += 1
                #expect(!error.errors.isEmpty)
                for e in error.errors {
                    #expect(e.description.hasPrefix(name) && !e.description.contains("\n") && !e.message.isEmpty)
                }
            }
        }
        #expect(
            rejected > 1000 && loaded > 100, "mutations too mild or too harsh: \(loaded) loaded, \(rejected) rejected")
    }

    @Test("Mutated configs through the binary: exit 0 or 2 with a message, nothing written on error")
    func binary() async throws {
        let folder = try temporaryFolder()
        let configs = try Self.shippedConfigs()
        let u = RandomStream(seed: 8, purpose: "fuzz").uniform(count: 60 * 16)
        for i in 0..<60 {
            let (name, text) = configs[i % configs.count]
            let mutated = Self.mutate(text, Array(u[(i * 16)..<(i * 16 + 16)]))
            let path = folder.appendingPathComponent(name).path
            try Data(mutated).write(to: URL(fileURLWithPath: path))
            let result = try await runGradscope(["validate", path])
            #expect(result.status == 0 || result.status == 2, "exit \(result.status): \(result.stderr)")
            if result.status == 2 { #expect(result.stderr.hasPrefix("error: ")) }
        }
    }
}
