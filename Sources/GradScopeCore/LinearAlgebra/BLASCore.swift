/// The vector instruction level of an OpenBLAS x86-64 kernel set, from SSE2 (every x86-64) to AVX-512
/// with bfloat16; a higher level runs the same products with wider vectors (docs/performance.md).
package enum KernelLevel: Int, Comparable, Sendable, CaseIterable {
    case sse2, sse3, ssse3, sse41, sse42, avx, avx2, avx512, avx512bf16

    /// What the processor must offer for this level's kernels (all lower levels' features too).
    package var requirement: CPUFeatures {
        let own: CPUFeatures =
            switch self {
            case .sse2: []
            case .sse3: .sse3
            case .ssse3: .ssse3
            case .sse41: .sse41
            case .sse42: .sse42
            case .avx: .avx
            case .avx2: [.avx2, .fma]
            case .avx512: .avx512
            case .avx512bf16: .avx512bf16
            }
        return KernelLevel.allCases.filter { $0 < self }.reduce(own) { $0.union($1.requirement) }
    }

    /// The highest level `features` can run.
    package static func best(for features: CPUFeatures) -> KernelLevel {
        allCases.last { features.isSuperset(of: $0.requirement) } ?? .sse2
    }

    /// "AVX-512 (F, CD, BW, DQ, VL)", for messages.
    package var label: String {
        switch self {
        case .sse2: "SSE2"
        case .sse3: "SSE3"
        case .ssse3: "SSSE3"
        case .sse41: "SSE4.1"
        case .sse42: "SSE4.2"
        case .avx: "AVX"
        case .avx2: "AVX2 and FMA"
        case .avx512: "AVX-512 (F, CD, BW, DQ, VL)"
        case .avx512bf16: "AVX-512 with BF16"
        }
    }

    package static func < (a: KernelLevel, b: KernelLevel) -> Bool { a.rawValue < b.rawValue }
}

/// A kernel set ("core") of the DYNAMIC_ARCH OpenBLAS that gradscope links (Debian's 0.3.21), by the name
/// `openblas_get_corename()` reports and `OPENBLAS_CORETYPE` takes, with its vector level.
package struct BLASCore: Hashable, Sendable {
    package let name: String
    package let level: KernelLevel
    /// Whether gradscope chooses or forces it: the generic sets of each level and the two vector sets
    /// OpenBLAS picks for known processors (Zen, Cooperlake); the others OpenBLAS picks for old processors.
    package let selectable: Bool

    /// Every x86-64 core of OpenBLAS 0.3.21's DYNAMIC_ARCH build.
    package static let all: [BLASCore] =
        [
            ("Katmai", KernelLevel.sse2, false), ("Coppermine", .sse2, false), ("Northwood", .sse2, false),
            ("Banias", .sse2, false), ("Athlon", .sse2, false), ("Opteron", .sse2, false),
            ("Prescott", .sse3, true), ("Opteron(SSE3)", .sse3, false), ("Barcelona", .sse3, false),
            ("Nano", .sse3, false), ("Atom", .ssse3, false), ("Bobcat", .ssse3, false), ("Core2", .ssse3, true),
            ("Penryn", .sse41, true), ("Dunnington", .sse41, false), ("Nehalem", .sse42, true),
            ("Sandybridge", .avx, true), ("Bulldozer", .avx, false), ("Piledriver", .avx, false),
            ("Steamroller", .avx, false), ("Excavator", .avx, false), ("Haswell", .avx2, true), ("Zen", .avx2, true),
            ("SkylakeX", .avx512, true), ("Cooperlake", .avx512bf16, true),
        ].map { BLASCore(name: $0.0, level: $0.1, selectable: $0.2) }

    /// The core named `name` (any case), if OpenBLAS 0.3.21 has one.
    package static func named(_ name: String) -> BLASCore? {
        all.first { $0.name.lowercased() == name.lowercased() }
    }

    /// The generic core of the best level `features` run: the one gradscope loads after a fallback.
    package static func best(for features: CPUFeatures) -> BLASCore {
        let level = KernelLevel.best(for: features)
        let generic: [KernelLevel: String] = [
            .sse3: "Prescott", .ssse3: "Core2", .sse41: "Penryn", .sse42: "Nehalem", .avx: "Sandybridge",
            .avx2: "Haswell", .avx512: "SkylakeX", .avx512bf16: "Cooperlake",
        ]
        return generic[level].flatMap(named) ?? BLASCore(name: "Prescott", level: .sse3, selectable: true)
    }

    /// The cores gradscope can force on a processor with `features`, lowest level first.
    package static func selectable(on features: CPUFeatures) -> [BLASCore] {
        all.filter { $0.selectable && features.isSuperset(of: $0.level.requirement) }
    }
}
