#ifndef CMPI_SHIM_H
#define CMPI_SHIM_H
// OpenMPI's predefined handles are macros over addresses of incomplete globals; Swift cannot import them, so
// each gets a static inline accessor. Everything else (functions, MPI_SUCCESS, MPI_MAX_*) imports directly.
// Imported only by Sources/SAGEDistributed/MPI.swift. No stable API: internal to sage-mpi.
#include <mpi.h>
#include <stdint.h>

// Wraps: MPI_COMM_WORLD, MPI_COMM_NULL
static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }
static inline MPI_Comm cmpi_comm_null(void)  { return MPI_COMM_NULL; }
// Wraps: MPI_FLOAT, MPI_DOUBLE, MPI_INT32_T, MPI_INT64_T, MPI_UINT8_T
static inline MPI_Datatype cmpi_float(void)  { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_int32(void)  { return MPI_INT32_T; }
static inline MPI_Datatype cmpi_int64(void)  { return MPI_INT64_T; }
static inline MPI_Datatype cmpi_uint8(void)  { return MPI_UINT8_T; }
// Wraps: MPI_SUM, MPI_MAX, MPI_MIN
static inline MPI_Op cmpi_op_sum(void) { return MPI_SUM; }
static inline MPI_Op cmpi_op_max(void) { return MPI_MAX; }
static inline MPI_Op cmpi_op_min(void) { return MPI_MIN; }
// Wraps: MPI_REQUEST_NULL (a completed non-persistent request becomes it; MPI_STATUS_IGNORE is a null pointer)
static inline MPI_Request cmpi_request_null(void) { return MPI_REQUEST_NULL; }
// Wraps: MPI_IN_PLACE, MPI_ERRORS_RETURN, MPI_UNDEFINED
static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }
static inline int cmpi_undefined(void) { return MPI_UNDEFINED; }
#endif
