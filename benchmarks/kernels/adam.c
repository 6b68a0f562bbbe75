// Reference point for optd-bench: the Keras-form Adam step as a plain C loop, built by
// benchmarks/kernels/run with `gcc -O3` (portable x86-64 unless CFLAGS says otherwise).
// Prints elements/s per run (median of RUNS after one warm-up run), like optd-bench.
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
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

static void adam_step(long n, float *restrict p, const float *restrict g, float *restrict m,
                      float *restrict v, float alpha, float c1, float c2, float eps) {
    for (long i = 0; i < n; i++) {
        float mi = m[i] + (g[i] - m[i]) * c1;
        float vi = v[i] + (g[i] * g[i] - v[i]) * c2;
        m[i] = mi;
        v[i] = vi;
        p[i] = p[i] - (mi * alpha) / (sqrtf(vi) + eps);
    }
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 1000000;
    int runs = argc > 2 ? atoi(argv[2]) : 7;
    float *p = aligned_alloc(64, n * 4), *g = aligned_alloc(64, n * 4);
    float *m = calloc(n, 4), *v = calloc(n, 4);
    for (long i = 0; i < n; i++) {
        p[i] = (i % 1000) * 1e-3f - 0.5f;
        g[i] = ((i * 7919) % 2001) * 1e-3f - 1.0f;
    }
    long steps = 200000000 / n > 0 ? 200000000 / n : 1;
    double rates[64];
    for (int run = 0; run <= runs && run < 64; run++) {
        double start = now();
        for (long s = 0; s < steps; s++) {
            float t = (float)(s + 1);
            float alpha = 0.001f * sqrtf(1 - powf(0.999f, t)) / (1 - powf(0.9f, t));
            adam_step(n, p, g, m, v, alpha, 0.1f, 0.001f, 1e-7f);
        }
        double rate = (double)n * steps / (now() - start);
        if (run > 0) rates[run - 1] = rate;
    }
    qsort(rates, runs, sizeof(double), cmp);
    printf("c-adam   gcc-O3   n=%-9ld median %7.3f G elem/s  (min %.3f, max %.3f)  checksum %g\n", n,
           rates[runs / 2] / 1e9, rates[0] / 1e9, rates[runs - 1] / 1e9, p[n / 2]);
    return 0;
}
