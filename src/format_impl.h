/* SPDX-License-Identifier: MIT */
/*
 * format_impl.h - the formats built only with optional libraries
 */
#ifndef DGEN_FORMAT_IMPL_H
#define DGEN_FORMAT_IMPL_H

#include <dgen/tree.h>

#ifdef DGEN_HAVE_HDF5
/*
 * dgen_format_hdf5_write - the HDF5 file for dgen_format_write, to the
 * file open as @fd. Returns 0 or a negative errno (-EIO for an HDF5 error).
 */
int dgen_format_hdf5_write(int fd, const struct dgen_stream *s,
			   uint64_t payload, void *buf, size_t buflen);
#endif

#endif /* DGEN_FORMAT_IMPL_H */
