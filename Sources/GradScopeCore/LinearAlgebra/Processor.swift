internal import CCPUID

/// The instruction-set extensions that OpenBLAS's x86-64 kernel sets need, as this processor and its
/// operating system offer them: cpuid says what the processor has, xgetbv whether the system saves the
/// AVX (XCR0 bits 1-2) and AVX-512 (bits 5-7) registers, without which those instructions fault.
package struct CPUFeatures: OptionSet, Sendable, Hashable {
    package let rawValue: UInt32
    package init(rawValue: UInt32) { self.rawValue = rawValue }

    package static let sse3 = CPUFeatures(rawValue: 1 << 0)
    package static let ssse3 = CPUFeatures(rawValue: 1 << 1)
    package static let sse41 = CPUFeatures(rawValue: 1 << 2)
    package static let sse42 = CPUFeatures(rawValue: 1 << 3)
    package static let avx = CPUFeatures(rawValue: 1 << 4)
    package static let avx2 = CPUFeatures(rawValue: 1 << 5)
    package static let fma = CPUFeatures(rawValue: 1 << 6)
    package static let avx512f = CPUFeatures(rawValue: 1 << 7)
    package static let avx512cd = CPUFeatures(rawValue: 1 << 8)
    package static let avx512bw = CPUFeatures(rawValue: 1 << 9)
    package static let avx512dq = CPUFeatures(rawValue: 1 << 10)
    package static let avx512vl = CPUFeatures(rawValue: 1 << 11)
    package static let avx512bf16 = CPUFeatures(rawValue: 1 << 12)

    /// The AVX-512 subsets OpenBLAS's SkylakeX kernels use.
    package static let avx512: CPUFeatures = [.avx512f, .avx512cd, .avx512bw, .avx512dq, .avx512vl]

    /// Each feature with its name as Linux's /proc/cpuinfo spells it, in order of introduction.
    package static let named: [(feature: CPUFeatures, name: String)] = [
        (.sse3, "sse3"), (.ssse3, "ssse3"), (.sse41, "sse4_1"), (.sse42, "sse4_2"), (.avx, "avx"), (.avx2, "avx2"),
        (.fma, "fma"), (.avx512f, "avx512f"), (.avx512cd, "avx512cd"), (.avx512bw, "avx512bw"),
        (.avx512dq, "avx512dq"), (.avx512vl, "avx512vl"), (.avx512bf16, "avx512_bf16"),
    ]

    /// The names of the features present, in order of introduction.
    package var names: [String] { Self.named.filter { contains($0.feature) }.map(\.name) }
}

/// This processor: its vendor, family and model (as `lscpu` prints them) and its features.
package struct Processor: Sendable, Hashable {
    package var vendor: String
    package var family: Int
    package var model: Int
    package var features: CPUFeatures

    package init(vendor: String, family: Int, model: Int, features: CPUFeatures) {
        (self.vendor, self.family, self.model, self.features) = (vendor, family, model, features)
    }

    /// The processor this process runs on, read once.
    package static let current = Processor.read()

    /// "AuthenticAMD family 25 model 1".
    package var description: String { "\(vendor) family \(family) model \(model)" }

    private static func read() -> Processor {
        let leaf0 = gradscope_cpuid(0, 0), leaf1 = gradscope_cpuid(1, 0)
        let leaf7 = gradscope_cpuid(7, 0), leaf7s1 = gradscope_cpuid(7, 1)  // zeros past the highest leaf
        let xcr0 = gradscope_xcr0()
        let vendor = String(decoding: [leaf0.ebx, leaf0.edx, leaf0.ecx].flatMap(bytes), as: UTF8.self)
        var features = CPUFeatures()
        let bit = { (register: UInt32, index: UInt32) in register & (1 << index) != 0 }
        if bit(leaf1.ecx, 0) { features.insert(.sse3) }
        if bit(leaf1.ecx, 9) { features.insert(.ssse3) }
        if bit(leaf1.ecx, 19) { features.insert(.sse41) }
        if bit(leaf1.ecx, 20) { features.insert(.sse42) }
        if xcr0 & 0x6 == 0x6 {  // the system saves the SSE and AVX registers
            if bit(leaf1.ecx, 28) { features.insert(.avx) }
            if bit(leaf1.ecx, 12) { features.insert(.fma) }
            if bit(leaf7.ebx, 5) { features.insert(.avx2) }
            if xcr0 & 0xE6 == 0xE6 {  // ... and the AVX-512 opmask and upper registers
                for (index, feature) in [(16, CPUFeatures.avx512f), (17, .avx512dq), (28, .avx512cd), (30, .avx512bw)]
                where bit(leaf7.ebx, UInt32(index)) {
                    features.insert(feature)
                }
                if bit(leaf7.ebx, 31) { features.insert(.avx512vl) }
                if bit(leaf7s1.eax, 5) { features.insert(.avx512bf16) }
            }
        }
        let baseFamily = Int(leaf1.eax >> 8 & 0xF), baseModel = Int(leaf1.eax >> 4 & 0xF)
        let family = baseFamily == 0xF ? baseFamily + Int(leaf1.eax >> 20 & 0xFF) : baseFamily
        let model = baseFamily == 0x6 || baseFamily == 0xF ? baseModel + Int(leaf1.eax >> 16 & 0xF) << 4 : baseModel
        return Processor(vendor: vendor, family: family, model: model, features: features)
    }

    private static func bytes(_ register: UInt32) -> [UInt8] {
        (0..<4).map { UInt8(truncatingIfNeeded: register >> (8 * $0)) }.filter { $0 != 0 }
    }
}
