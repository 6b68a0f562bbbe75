#if defined(__linux__)
#define _GNU_SOURCE
#include <sched.h>
#endif
#include "CPUFeatures.h"

int optd_cpu_runs_x86_64_v3(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    __builtin_cpu_init();
    return __builtin_cpu_supports("x86-64-v3") && __builtin_cpu_supports("avx2")
        && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}

int optd_cpus_in_affinity_mask(void) {
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) return CPU_COUNT(&set);
#endif
    return 0;
}
