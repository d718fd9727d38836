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

/* ===== A file's bytes at any offset (format_src.c) ===== */

/* What libhdf5 puts around a payload of one size (dgen_hdf5_template). */
struct dgen_fmt_template {
	uint8_t *head, *tail;		/* before and after the payload */
	size_t nhead, ntail;
};

/* A dataset file of one stream, as segments made on demand. */
struct dgen_fmt_src {
	enum dgen_format f;
	const struct dgen_stream *s;
	uint64_t payload, size;		/* stream bytes; the file's bytes */
	uint32_t record_size;		/* TFRecord */
	const uint8_t *head, *tail;	/* npz, HDF5: around the payload */
	size_t nhead, ntail;
	uint8_t own[512];		/* npz: its headers, with their CRC */
};

/* Where a source was last asked (TFRecord: its record's data CRC so far);
 * zeroed for a fresh one. One per sequence of requests, not shared. */
struct dgen_fmt_cursor {
	uint64_t at;
	uint32_t crc;
};

/* A run of bytes within one segment (dgen_fmt_src_span). */
struct dgen_fmt_span {
	int payload;			/* stream bytes, else framing */
	uint64_t len;			/* bytes of the run */
	uint64_t pos;			/* payload: its stream offset */
	uint64_t start;			/* framing: the structure's first byte */
};

/*
 * dgen_fmt_src_init - the file of format @fmt around stream @s's bytes
 * [0, @payload) (@s must outlive @f); HDF5 takes the template @t of that
 * payload size (it must outlive @f). npz reads the payload once, for its
 * CRC. With @s NULL, only the file's shape: its size, its segments, its
 * offsets, not its bytes. Returns 0, -EINVAL, or the stream's error.
 */
int dgen_fmt_src_init(struct dgen_fmt_src *f, enum dgen_format fmt,
		      const struct dgen_stream *s, uint64_t payload,
		      uint32_t record_size, const struct dgen_fmt_template *t);

/*
 * dgen_fmt_src_fill - the file's bytes [@off, @off + @n) to @out, moving
 * cursor @c along. Returns 0, or -EINVAL past the file's end.
 */
int dgen_fmt_src_fill(const struct dgen_fmt_src *f, struct dgen_fmt_cursor *c,
		      void *out, uint64_t off, size_t n);

/*
 * dgen_fmt_src_span - the run of [@off, @off + @n) that starts at @off
 * and stays in one segment, into @out. Returns out->payload.
 */
int dgen_fmt_src_span(const struct dgen_fmt_src *f, uint64_t off, uint64_t n,
		      struct dgen_fmt_span *out);

/*
 * dgen_fmt_src_offset - the file offset where payload offset @q begins a
 * piece: the payload byte itself, or, when @q starts a TFRecord record,
 * its header; 0 for 0 and the file's size from the payload's end on. Pieces
 * cut there keep every payload block and structure in one piece, when @q
 * is a multiple of the block.
 */
uint64_t dgen_fmt_src_offset(const struct dgen_fmt_src *f, uint64_t q);

#ifdef DGEN_HAVE_HDF5
/*
 * dgen_hdf5_template - what libhdf5 writes around a /data of @payload
 * bytes laid out for objects (contiguous, allocated at once, no fill, no
 * times, so every such file of that size has the same bytes around its
 * payload): into @t (free with dgen_hdf5_template_free). Returns 0, -EIO
 * (an HDF5 error), -EOPNOTSUPP (a layout with more than 64 KiB around the
 * payload), or -ENOMEM.
 */
int dgen_hdf5_template(struct dgen_fmt_template *t, uint64_t payload);
#endif

/* dgen_hdf5_template_free - release what dgen_hdf5_template made. */
void dgen_hdf5_template_free(struct dgen_fmt_template *t);

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
