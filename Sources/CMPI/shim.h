#pragma once
#include <mpi.h>

/* Open MPI's handles (communicators, datatypes, operations, MPI_IN_PLACE) are macros over the
   addresses of global objects, which Swift does not import; these inline functions expose them. */
static inline MPI_Comm pmpi_comm_world(void)    { return MPI_COMM_WORLD; }
static inline MPI_Datatype pmpi_float(void)     { return MPI_FLOAT; }
static inline MPI_Datatype pmpi_double(void)    { return MPI_DOUBLE; }
static inline MPI_Datatype pmpi_byte(void)      { return MPI_BYTE; }
static inline MPI_Op pmpi_sum(void)             { return MPI_SUM; }
static inline MPI_Op pmpi_max(void)             { return MPI_MAX; }
static inline void *pmpi_in_place(void)         { return MPI_IN_PLACE; }
static inline int pmpi_thread_funneled(void)    { return MPI_THREAD_FUNNELED; }
static inline int pmpi_success(void)            { return MPI_SUCCESS; }
