#ifndef OPTD_CPU_FEATURES_H
#define OPTD_CPU_FEATURES_H

/// 1 when this CPU and OS run x86-64-v3 code (AVX2, FMA, BMI1/2, F16C, LZCNT, MOVBE with the
/// AVX state enabled by the OS), which the OptimizerKernelsAVX2 target is compiled for; else 0.
/// Swift cannot execute `cpuid`, hence these few lines of C.
int optd_cpu_runs_x86_64_v3(void);

/// The number of CPUs in this process's affinity mask (`taskset`, a container's cpuset), or 0
/// where that cannot be asked. Glibc's Swift module hides `sched_getaffinity` (_GNU_SOURCE).
int optd_cpus_in_affinity_mask(void);

#endif
