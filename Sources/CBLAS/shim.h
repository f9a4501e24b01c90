#ifndef CBLAS_SHIM_H
#define CBLAS_SHIM_H
// OpenBLAS's cblas.h (pkg-config "openblas" puts .../openblas-pthread/ first on the include path). Besides the
// cblas_* routines it declares openblas_set_num_threads, openblas_get_num_threads, openblas_get_config and
// openblas_get_corename. Imported only by Sources/SAGEEngine/BLAS.swift.
#include <cblas.h>
#endif
