// Does D W^T through a stored W^T (a plain product) give the bits of the transposed product? (issue 18)
// For every width n = 1 ... 128 and batches B of 1 to 1000, one-thread OpenBLAS, row-major like gradscope:
// C1 = D W^T by cblas_dgemm(NoTrans, Trans) and C2 = D (W^T) by cblas_dgemm(NoTrans, NoTrans) with W^T
// copied out, compared with memcmp. Prints the shapes with n <= 64 that differ and the count.
// On an AMD Zen 4 (OpenBLAS 0.3.21, Cooperlake kernels) 285 of the 576 shapes with n <= 64 differ: every
// n > 16 with n mod 8 in 1 ... 4, for every B; n = 32 and 64 (the bench lines) agree. So the plain product
// would change the last bits of other widths: a numerics revision, not a free speed-up.
// Build and run: cc -O2 bench/transposed-gemm-bits.c -o /tmp/transposed-gemm-bits -lopenblas && /tmp/transposed-gemm-bits
// (on Debian the header is in /usr/include/x86_64-linux-gnu: add -I that if cblas.h is not found).
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
    openblas_set_num_threads(1);
    const int batches[] = {1, 2, 3, 7, 16, 100, 128, 256, 1000};
    int differ = 0, narrow = 0;
    for (int bi = 0; bi < 9; bi++) {
        for (int n = 1; n <= 128; n++) {
            int b = batches[bi];
            double *d = malloc(sizeof(double) * b * n), *w = malloc(sizeof(double) * n * n);
            double *wt = malloc(sizeof(double) * n * n);
            double *c1 = malloc(sizeof(double) * b * n), *c2 = malloc(sizeof(double) * b * n);
            srand(n * 1000 + b);
            for (int i = 0; i < b * n; i++) d[i] = rand() / (double)RAND_MAX - 0.5;
            for (int i = 0; i < n * n; i++) w[i] = rand() / (double)RAND_MAX - 0.5;
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++) wt[j * n + i] = w[i * n + j];
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, n, n, 1, d, n, w, n, 0, c1, n);
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, n, n, 1, d, n, wt, n, 0, c2, n);
            if (n <= 64) {
                narrow++;
                if (memcmp(c1, c2, sizeof(double) * b * n)) {
                    differ++;
                    printf("differ: B = %d, n = %d\n", b, n);
                }
            }
            free(d), free(w), free(wt), free(c1), free(c2);
        }
    }
    printf("%d of %d shapes with n <= 64 differ\n", differ, narrow);
    return 0;
}
