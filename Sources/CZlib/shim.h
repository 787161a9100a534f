#pragma once
/* zlib: gzip-compressed IDX files (HDF5 already depends on it for its deflate filter). */
#include <zlib.h>
