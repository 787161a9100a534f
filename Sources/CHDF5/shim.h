#pragma once
#include <hdf5.h>

/* HDF5's type and property identifiers are macros over global variables that Swift does not
   import; these inline functions expose them. */
static inline hid_t ph5_native_float(void)  { return H5T_NATIVE_FLOAT; }
static inline hid_t ph5_native_double(void) { return H5T_NATIVE_DOUBLE; }
static inline hid_t ph5_native_int8(void)   { return H5T_NATIVE_INT8; }
static inline hid_t ph5_native_uint8(void)  { return H5T_NATIVE_UINT8; }
static inline hid_t ph5_native_int16(void)  { return H5T_NATIVE_INT16; }
static inline hid_t ph5_native_uint16(void) { return H5T_NATIVE_UINT16; }
static inline hid_t ph5_native_int32(void)  { return H5T_NATIVE_INT32; }
static inline hid_t ph5_native_uint32(void) { return H5T_NATIVE_UINT32; }
static inline hid_t ph5_native_int64(void)  { return H5T_NATIVE_INT64; }
static inline hid_t ph5_c_s1(void)          { return H5T_C_S1; }
static inline hid_t ph5_p_dataset_create(void) { return H5P_DATASET_CREATE; }
static inline hid_t ph5_p_link_create(void)    { return H5P_LINK_CREATE; }
static inline hid_t ph5_p_default(void)     { return H5P_DEFAULT; }
static inline hid_t ph5_s_all(void)         { return H5S_ALL; }
static inline hid_t ph5_e_default(void)     { return H5E_DEFAULT; }
static inline unsigned ph5_f_acc_rdonly(void) { return H5F_ACC_RDONLY; }
static inline unsigned ph5_f_acc_rdwr(void)   { return H5F_ACC_RDWR; }
static inline unsigned ph5_f_acc_trunc(void)  { return H5F_ACC_TRUNC; }
static inline unsigned ph5_f_acc_excl(void)   { return H5F_ACC_EXCL; }
static inline size_t ph5_variable(void)       { return H5T_VARIABLE; }
/* File access without HDF5's flock: a child process forked while a file is open inherits the
   descriptor and would keep the lock after the file is closed here. Caller closes the list. */
static inline hid_t ph5_fapl_without_locking(void) {
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    H5Pset_file_locking(fapl, 0, 1);
    return fapl;
}
