// The C boundary of gradscope: CBLAS from OpenBLAS, LAPACKE from netlib
// (Debian's OpenBLAS is built without LAPACKE; liblapacke runs on its LAPACK).
#include <cblas.h>
#include <lapacke.h>
