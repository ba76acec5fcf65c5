import GradScopeCore
import GradScopeResults
import GradScopeSweep
import GradScopeTestSupport
import Testing

@Suite("Child processes")
struct ChildProcessTests {
    @Test("A child that writes 1 MiB to stderr and 1 MiB to stdout does not block: both arrive whole")
    func bothStreams() async throws {
        // stderr first, so that a reader that drains stdout to its end before stderr would deadlock.
        let script = "head -c 1048576 /dev/zero | tr '\\0' e >&2; head -c 1048576 /dev/zero | tr '\\0' o; exit 3"
        let outcome = try await ChildProcess.run("/bin/sh", ["-c", script])
        #expect(outcome.status == 3)
        #expect(
            outcome.standardError.utf8.count == 1 << 20
                && outcome.standardError.utf8.allSatisfy { $0 == UInt8(ascii: "e") })
        #expect(
            outcome.standardOutput.utf8.count == 1 << 20
                && outcome.standardOutput.utf8.allSatisfy { $0 == UInt8(ascii: "o") })
    }

    @Test("A program that does not exist is an error, not a hang")
    func missing() async {
        await #expect(throws: (any Error).self) { try await ChildProcess.run("/nonexistent/gradscope-child", []) }
    }
}
