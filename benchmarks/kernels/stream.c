// The memory bandwidth ceiling for optimizer kernels: the same arrays read and written as an
// optimizer step, with the least arithmetic (one add per array), built by benchmarks/kernels/run
// with `gcc -O3 -march=native -fopenmp` (the best this machine can do, not portable).
//
// Patterns, by the arrays a default step touches:
//   adam    p, g, m, v read; p, m, v written (28 bytes/element)   also adamw
//   adagrad p, g, a read; p, a written       (20 bytes/element)   also rmsprop
//   sgd     p, g read; p written             (12 bytes/element)
// Prints elements/s (median of RUNS after one warm-up run) for 1 thread and for all threads.
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void pass(int pattern, long n, float *restrict p, const float *restrict g, float *restrict m,
                 float *restrict v) {
    #pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        float gi = g[i];
        p[i] += gi;
        if (pattern >= 1) m[i] += gi;
        if (pattern >= 2) v[i] += gi;
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? (long)atof(argv[1]) : 10000000;
    int runs = argc > 2 ? atoi(argv[2]) : 7;
    const char *names[] = {"sgd", "adagrad", "adam"};
    float *a[4];
    for (int k = 0; k < 4; k++) {
        a[k] = aligned_alloc(64, ((n * 4 + 63) / 64) * 64);
        for (long i = 0; i < n; i++) a[k][i] = 1e-3f * (float)(i % 1000);
    }
    long steps = 200000000 / n > 0 ? 200000000 / n : 1;
    int all = omp_get_max_threads();
    int counts[2] = {1, all};
    for (int pattern = 0; pattern < 3; pattern++) {
        for (int c = 0; c < (all > 1 ? 2 : 1); c++) {
            omp_set_num_threads(counts[c]);
            double rates[64];
            for (int run = 0; run <= runs && run < 64; run++) {
                double start = now();
                for (long s = 0; s < steps; s++) pass(pattern, n, a[0], a[1], a[2], a[3]);
                double rate = (double)n * steps / (now() - start);
                if (run > 0) rates[run - 1] = rate;
            }
            qsort(rates, runs, sizeof(double), cmp);
            printf("ceiling  %-8s n=%-9ld threads=%d median %7.3f G elem/s  (min %.3f, max %.3f)  checksum %g\n",
                   names[pattern], n, counts[c], rates[runs / 2] / 1e9, rates[0] / 1e9, rates[runs - 1] / 1e9,
                   (double)a[0][n / 2 + 1]);
        }
    }
    return 0;
}
