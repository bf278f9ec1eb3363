// Debian's OpenBLAS (BLAS and LAPACK, multithreaded) and its C interface to LAPACK:
// apt-get install libopenblas-dev liblapacke-dev.
#include <cblas.h>
#include <lapacke.h>
