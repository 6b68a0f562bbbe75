import CPUFeatures
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Which compilation of the kernels runs: `baseline` (the package's target CPU; plain x86-64 has
/// SSE2 and no fused multiply-add instruction, so torch-convention kernels call libm's `fmaf`)
/// or `avx2` (x86-64-v3, see `OptimizerKernelsAVX2`).
///
/// Chosen once per process from the CPU. `OPTD_KERNELS=baseline` forces the baseline, so tests
/// and benchmarks can check that both give the same bits.
public enum InstructionSet: String, Sendable {
    case baseline
    case avx2

    public static let current: InstructionSet = {
        let supported: InstructionSet = optd_cpu_runs_x86_64_v3() != 0 ? .avx2 : .baseline
        if let forced = getenv("OPTD_KERNELS").map({ String(cString: $0) }), forced == "baseline" {
            return .baseline
        }
        return supported
    }()
}
