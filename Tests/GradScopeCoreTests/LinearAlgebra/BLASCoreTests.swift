import Foundation
import Testing

import GradScopeCore

/// The choice of OpenBLAS's kernels: a table of processors, loaded cores and requests against the
/// decision the issue asks for, and the processor reading against Linux's own (/proc/cpuinfo).
@Suite("BLAS core: detecting OpenBLAS's fallback and choosing the kernels")
struct BLASCoreTests {
    static let avx2Only: CPUFeatures = [.sse3, .ssse3, .sse41, .sse42, .avx, .avx2, .fma]
    static let avx512 = avx2Only.union(.avx512)
    static let emeraldRapids = avx512.union(.avx512bf16)

    static func decide(
        _ loaded: String, _ features: CPUFeatures, _ request: BLASCoreRequest = .automatic, coreType: String? = nil,
        restart: String? = nil
    ) -> BLASCoreDecision {
        BLASCoreDecision.decide(
            loaded: loaded, features: features, request: request, coreType: coreType,
            restart: restart.flatMap(BLASCoreRestart.init(text:)))
    }

    /// (case, loaded core, features, request, OPENBLAS_CORETYPE, restart mark, expected: core to load or
    /// nil to keep, chooser, core in use).
    static let table: [(String, String, CPUFeatures, BLASCoreRequest, String?, String?, String?, BLASCoreChooser)] =
        [
            ("known core (Zen 3)", "Zen", avx2Only, .automatic, nil, nil, nil, .openblas),
            ("known core (Zen 4)", "Cooperlake", emeraldRapids, .automatic, nil, nil, nil, .openblas),
            ("known core (Skylake-X)", "SkylakeX", avx512, .automatic, nil, nil, nil, .openblas),
            ("fallback, AVX-512 with BF16", "Prescott", emeraldRapids, .automatic, nil, nil, "Cooperlake", .gradscope),
            ("fallback, AVX-512", "Prescott", avx512, .automatic, nil, nil, "SkylakeX", .gradscope),
            ("fallback, AVX2 only", "Prescott", avx2Only, .automatic, nil, nil, "Haswell", .gradscope),
            ("Sandybridge on an AVX2 CPU", "Sandybridge", avx2Only, .automatic, nil, nil, "Haswell", .gradscope),
            ("Nehalem on an AVX-512 CPU", "Nehalem", avx512, .automatic, nil, nil, "SkylakeX", .gradscope),
            ("user-set variable", "Prescott", avx512, .automatic, "Prescott", nil, nil, .user),
            (
                "user-set variable, stale mark", "Zen", avx2Only, .automatic, "Zen", "Haswell;Prescott;gradscope", nil,
                .user
            ),
            ("opt-out", "Prescott", avx512, .off, nil, nil, nil, .openblas),
            ("forced lower core", "SkylakeX", avx512, .force(BLASCore.named("Haswell")!), nil, nil, "Haswell", .user),
            (
                "forced over the variable", "Prescott", avx512, .force(BLASCore.named("Haswell")!), "Prescott", nil,
                "Haswell", .user
            ),
            ("forced, already loaded", "Haswell", avx2Only, .force(BLASCore.named("haswell")!), nil, nil, nil, .user),
            (
                "restarted for the fallback", "SkylakeX", avx512, .automatic, "SkylakeX", "SkylakeX;Prescott;gradscope",
                nil, .gradscope
            ),
            (
                "restarted for a forced core", "Prescott", avx512, .force(BLASCore.named("Prescott")!), "Prescott",
                "Prescott;SkylakeX;user", nil, .user
            ),
            ("unknown core name", "Zen5", emeraldRapids, .automatic, nil, nil, nil, .openblas),
        ]

    @Test("The decision for each case of the table", arguments: table.indices)
    func decision(index: Int) {
        let (name, loaded, features, request, coreType, restart, load, chooser) = Self.table[index]
        let decision = Self.decide(loaded, features, request, coreType: coreType, restart: restart)
        switch decision {
        case .keep(let choice):
            #expect(load == nil, "\(name): kept \(loaded), expected to load \(load ?? "")")
            #expect(choice.core == loaded, "\(name)")
            #expect(choice.chosenBy == chooser, "\(name): chosen by \(choice.chosenBy)")
        case .load(let core, let choice):
            #expect(core.name == load, "\(name): loads \(core.name), expected \(load ?? "to keep \(loaded)")")
            #expect(choice.core == core.name && choice.libraryCore == loaded, "\(name)")
            #expect(choice.chosenBy == chooser, "\(name): chosen by \(choice.chosenBy)")
            #expect(features.isSuperset(of: core.level.requirement), "\(name): \(core.name) would fault here")
        }
    }

    @Test("A restarted process records OpenBLAS's own core and says so when OpenBLAS loaded another")
    func restartRecordsWhatHappened() {
        guard
            case .keep(let fine) = Self.decide(
                "SkylakeX", Self.avx512, coreType: "SkylakeX",
                restart: "SkylakeX;Prescott;gradscope")
        else {
            Issue.record("not kept")
            return
        }
        #expect(fine.libraryCore == "Prescott" && fine.reason.contains("fell back") && !fine.reason.contains("instead"))
        guard
            case .keep(let other) = Self.decide(
                "Haswell", Self.avx2Only, coreType: "Cooperlake",
                restart: "Cooperlake;Prescott;gradscope")
        else {
            Issue.record("not kept")
            return
        }
        #expect(other.core == "Haswell" && other.reason.contains("loaded Haswell instead of Cooperlake"))
    }

    @Test("Requests: names in any case, cores the CPU cannot run and unknown names refused with what is valid")
    func requests() {
        #expect(BLASCoreRequest.parse("auto", on: Self.avx2Only) == .success(.automatic))
        #expect(BLASCoreRequest.parse("OFF", on: Self.avx2Only) == .success(.off))
        #expect(BLASCoreRequest.parse("skylakex", on: Self.avx512) == .success(.force(BLASCore.named("SkylakeX")!)))
        guard case .failure(let tooNew) = BLASCoreRequest.parse("SkylakeX", on: Self.avx2Only),
            case .failure(let unknown) = BLASCoreRequest.parse("Bogus", on: Self.avx2Only),
            case .failure(let notOffered) = BLASCoreRequest.parse("Bulldozer", on: Self.avx2Only)
        else {
            Issue.record("a request that cannot be honoured was accepted")
            return
        }
        #expect(tooNew.message.contains("cannot run") && tooNew.message.contains("AVX-512"))
        #expect(tooNew.message.contains("Haswell") && !tooNew.message.contains("SkylakeX,"))
        #expect(unknown.message.contains("unknown BLAS core \"Bogus\""))
        #expect(notOffered.message.contains("unknown"))
        for core in BLASCore.all where core.selectable {
            #expect(BLASCoreRequest.parse(core.name, on: Self.emeraldRapids) == .success(.force(core)))
        }
    }

    @Test("Kernel levels: each level needs its own features and every lower level's")
    func levels() {
        #expect(KernelLevel.best(for: Self.emeraldRapids) == .avx512bf16)
        #expect(KernelLevel.best(for: Self.avx512) == .avx512)
        #expect(KernelLevel.best(for: Self.avx2Only) == .avx2)
        #expect(KernelLevel.best(for: Self.avx2Only.subtracting(.fma)) == .avx)
        #expect(KernelLevel.best(for: [.avx512bf16, .avx2]) == .sse2)  // no SSE3: nothing above the baseline
        #expect(KernelLevel.avx512bf16.requirement == Self.emeraldRapids)
        #expect(BLASCore.best(for: Self.avx2Only).name == "Haswell")
        #expect(BLASCore.selectable(on: Self.avx2Only).map(\.name).last == "Zen")
    }

    @Test("The processor as cpuid reads it agrees with Linux's /proc/cpuinfo (vendor, family, model, flags)")
    func processorMatchesLinux() throws {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return }
        let firstCPU = text.components(separatedBy: "\n\n")[0]
        var fields = [String: String]()
        for line in firstCPU.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            if parts.count == 2 { fields[parts[0]] = parts[1] }
        }
        let flags = Set((fields["flags"] ?? "").split(separator: " ").map(String.init))
        let processor = Processor.current
        #expect(processor.vendor == fields["vendor_id"])
        #expect(String(processor.family) == fields["cpu family"])
        #expect(String(processor.model) == fields["model"])
        try #require(!flags.isEmpty)
        for (feature, name) in CPUFeatures.named {
            let linuxName = name == "sse3" ? "pni" : name  // Linux calls SSE3 "pni" (Prescott New Instructions)
            #expect(processor.features.contains(feature) == flags.contains(linuxName), "\(name)")
        }
    }
}
