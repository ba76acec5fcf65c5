// The processor's instruction-set extensions, read with cpuid and xgetbv (x86-64; zeros elsewhere).
// gradscope's core reads them to tell whether OpenBLAS fell back to generic kernels on a CPU
// newer than its table (docs/performance.md, "The BLAS kernels").
#include <stdint.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

/// The four registers cpuid returns.
typedef struct {
    uint32_t eax, ebx, ecx, edx;
} gradscope_cpuid_registers;

/// cpuid(leaf, subleaf); all zeros when the leaf is beyond the processor's highest one.
static inline gradscope_cpuid_registers gradscope_cpuid(uint32_t leaf, uint32_t subleaf) {
    gradscope_cpuid_registers r = {0, 0, 0, 0};
#if defined(__x86_64__) || defined(__i386__)
    if (leaf > __get_cpuid_max(leaf & 0x80000000u, 0)) return r;
    __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
#endif
    (void)leaf;
    (void)subleaf;
    return r;
}

/// XCR0, the register states the operating system saves (bit 1 SSE, 2 AVX, 5-7 AVX-512);
/// 0 when the processor or the system does not offer xgetbv (cpuid leaf 1, ecx bit 27 OSXSAVE).
static inline uint64_t gradscope_xcr0(void) {
#if defined(__x86_64__) || defined(__i386__)
    gradscope_cpuid_registers one = gradscope_cpuid(1, 0);
    if (!(one.ecx & (1u << 27))) return 0;
    uint32_t low, high;
    __asm__ volatile("xgetbv" : "=a"(low), "=d"(high) : "c"(0));
    return ((uint64_t)high << 32) | low;
#else
    return 0;
#endif
}
