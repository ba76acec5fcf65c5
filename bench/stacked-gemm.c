// Does stacking the batches of runs that share weights into one GEMM pay? (issue 18, item 2)
// Times the three products of a layer, one-thread OpenBLAS, row-major like gradscope: H W (B x n by n x n),
// D W^T, and H^T D (n x B by B x n), for B = 128 (one run's batch), 256 and 512 (two and four runs
// stacked), and prints GFLOP/s and microseconds per 128 rows (the best of 5 repeats).
// Build and run: cc -O2 bench/stacked-gemm.c -o /tmp/stacked-gemm -lopenblas && /tmp/stacked-gemm
// (on Debian the header is in /usr/include/x86_64-linux-gnu: add -I that if cblas.h is not found).
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(void) {
    openblas_set_num_threads(1);
    const int widths[] = {32, 64, 128};
    for (int w = 0; w < 3; w++) {
        int n = widths[w];
        for (int b = 128; b <= 512; b *= 2) {
            double *h = malloc(sizeof(double) * b * n), *z = malloc(sizeof(double) * b * n);
            double *weights = malloc(sizeof(double) * n * n), *g = malloc(sizeof(double) * n * n);
            for (int i = 0; i < b * n; i++) h[i] = z[i] = rand() / (double)RAND_MAX;
            for (int i = 0; i < n * n; i++) weights[i] = rand() / (double)RAND_MAX;
            double best[3] = {1e9, 1e9, 1e9};
            int repeats = 200000 / b * 32 / n;
            for (int r = 0; r < 5; r++) {
                double t = now();
                for (int i = 0; i < repeats; i++)
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, n, n, 1, h, n, weights, n, 0, z, n);
                if ((t = (now() - t) / repeats) < best[0]) best[0] = t;
                t = now();
                for (int i = 0; i < repeats; i++)
                    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, n, n, 1, z, n, weights, n, 0, h, n);
                if ((t = (now() - t) / repeats) < best[1]) best[1] = t;
                t = now();
                for (int i = 0; i < repeats; i++)
                    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, n, n, b, 1, h, n, z, n, 0, g, n);
                if ((t = (now() - t) / repeats) < best[2]) best[2] = t;
            }
            double gflop = 2.0 * b * n * n / 1e9;
            printf("width %4d batch %3d  H W %5.1f  D W^T %5.1f  H^T D %5.1f GFLOP/s   us per 128 rows: %7.2f %7.2f %7.2f\n",
                   n, b, gflop / best[0], gflop / best[1], gflop / best[2], best[0] * 1e6 * 128 / b,
                   best[1] * 1e6 * 128 / b, best[2] * 1e6 * 128 / b);
            free(h); free(z); free(weights); free(g);
        }
    }
    return 0;
}
