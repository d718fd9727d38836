/* SPDX-License-Identifier: MIT */
/*
 * format_impl.h - the pieces of the dataset formats that the writer
 * (format.c) and the checker (format_verify.c) share, so that both build
 * the same bytes; and the formats built only with optional libraries
 */
#ifndef DGEN_FORMAT_IMPL_H
#define DGEN_FORMAT_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/tree.h>

#define ZIP_EOCD	22u		/* end of central directory */
#define ZIP64_EOCD	56u		/* zip64 end of central directory */
#define ZIP64_LOCATOR	20u		/* its locator */
#define TFR_HEADER	12u		/* length, masked CRC-32C of it */
#define TFR_FOOTER	4u		/* masked CRC-32C of the data */

/*
 * dgen_npy_header - the NPY 1.0 header for a uint8 vector of @n, to @h
 * (@len bytes; NULL for the length alone). Returns its length (a multiple
 * of 64), or 0 when @len is too short.
 */
size_t dgen_npy_header(uint8_t *h, size_t len, uint64_t n);

/* dgen_npz_zip64 - 1 when an npz member of @member bytes takes zip64 records. */
int dgen_npz_zip64(uint64_t member);

/*
 * dgen_zip_header - the local file header (@central 0) or the central
 * directory header of data.npy, @member bytes with CRC-32 @crc, to @h
 * (128 bytes suffice). Returns its length.
 */
size_t dgen_zip_header(uint8_t *h, int central, uint32_t crc,
		       uint64_t member, int z64);

/*
 * dgen_zip_end - what follows the central directory (@ch bytes at @cd_off):
 * with @z64 the zip64 end record and its locator, then the end of central
 * directory record, to @h (128 bytes suffice). Returns its length.
 */
size_t dgen_zip_end(uint8_t *h, uint64_t cd_off, size_t ch, int z64);

/* dgen_tfrecord_header - a record's header for @len data bytes, to @h[12]. */
void dgen_tfrecord_header(uint8_t *h, uint64_t len);

#ifdef DGEN_HAVE_HDF5
/*
 * dgen_format_hdf5_write - the HDF5 file for dgen_format_write, to the
 * file open as @fd. Returns 0 or a negative errno (-EIO for an HDF5 error).
 */
int dgen_format_hdf5_write(int fd, const struct dgen_stream *s,
			   uint64_t payload, void *buf, size_t buflen);

struct dgen_hdf5_reader;

/*
 * dgen_hdf5_reader_open - open the file open as @fd read-only and check
 * that its /data is what dgen_format_hdf5_write makes for @payload bytes: a
 * contiguous 1-D array of 1-byte unsigned integers, @payload long.
 * Returns 0 and sets *@out, -EBADMSG when the file is not that (not an
 * HDF5 file, no /data, another type, shape or layout), or -ENOMEM.
 */
int dgen_hdf5_reader_open(struct dgen_hdf5_reader **out, int fd,
			  uint64_t payload);

/*
 * dgen_hdf5_reader_read - /data's elements [pos, pos + n) to @buf.
 * Returns 0, or -EBADMSG when libhdf5 cannot read them (a damaged file).
 */
int dgen_hdf5_reader_read(struct dgen_hdf5_reader *r, void *buf,
			  uint64_t pos, size_t n);

/* dgen_hdf5_reader_close - close what open opened; NULL is allowed. */
void dgen_hdf5_reader_close(struct dgen_hdf5_reader *r);
#endif

#endif /* DGEN_FORMAT_IMPL_H */
