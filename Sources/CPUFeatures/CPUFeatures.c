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
