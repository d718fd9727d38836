/* SPDX-License-Identifier: MIT */
/*
 * dgen/tree.h - file trees and dataset formats
 *
 * A tree is N files under a directory, spread over fan-out directories:
 * file i is DIR/dXXX/fYYYYYY (directory i / fanout, name i), and carries
 * stream (first stream id + i), so no two files share a block and any one
 * file can be regenerated from the run's report. For a dataset format the
 * file's payload (the npy array, the records' data) is the stream's bytes
 * [0, payload size); the format's headers and trailers are around it.
 */
#ifndef DGEN_TREE_H
#define DGEN_TREE_H

#include <stddef.h>
#include <stdint.h>

#include <dgen/stream.h>
#include <dgen/mismatch.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== Trees ===== */

#define DGEN_TREE_FANOUT_DEFAULT	1000u

/* Replace files of an earlier tree instead of refusing. */
#define DGEN_TREE_FORCE		(1u << 0)

/*
 * dgen_tree_path - write the path of file @i of the tree under @dir with
 * @fanout files per directory to @buf (@len bytes): "DIR/d000/f000000"
 * then @suffix (may be NULL). Returns the length, or -ENAMETOOLONG.
 */
int dgen_tree_path(char *buf, size_t len, const char *dir, uint32_t fanout,
		   uint64_t i, const char *suffix);

/*
 * dgen_tree_prepare - make @dir and the fan-out directories for @nfiles
 * files, and check that none of the files exists. With DGEN_TREE_FORCE in
 * @flags existing files are removed instead, so every file is made fresh.
 *
 * Returns 0, -EEXIST naming the first existing file in @msg (nothing is
 * changed then), or another negative errno from mkdir(2)/unlink(2) with a
 * sentence in @msg.
 */
int dgen_tree_prepare(const char *dir, uint64_t nfiles, uint32_t fanout,
		      const char *suffix, unsigned int flags,
		      char *msg, size_t msglen);

/* ===== Dataset formats ===== */

enum dgen_format {
	DGEN_FORMAT_RAW,		/* the stream bytes alone */
	DGEN_FORMAT_NPZ,		/* numpy .npz: data.npy, a uint8 vector */
	DGEN_FORMAT_TFRECORD,		/* TFRecord, one record per piece */
	DGEN_FORMAT_HDF5,		/* HDF5: /data, a uint8 vector */
};

#define DGEN_RECORD_SIZE_DEFAULT	(1u << 20)

/* dgen_format_name - "raw", "npz", "tfrecord", "hdf5"; NULL for others. */
const char *dgen_format_name(enum dgen_format f);

/*
 * dgen_format_supported - 1 when this libdgen writes @f: HDF5 only when it
 * was built with libhdf5 (the meson feature hdf5), the others always.
 */
int dgen_format_supported(enum dgen_format f);

/* dgen_format_suffix - the file name suffix: "", ".npz", ".tfrecord", ".h5". */
const char *dgen_format_suffix(enum dgen_format f);

/*
 * dgen_format_size - the bytes of a file of format @f whose payload is
 * @payload bytes, cut into records of @record_size (TFRecord only); 0 for
 * HDF5, whose overhead is up to libhdf5.
 */
uint64_t dgen_format_size(enum dgen_format f, uint64_t payload,
			  uint32_t record_size);

/*
 * dgen_format_write - write a whole file of format @f to @fd from offset 0:
 * the payload is @s's bytes [0, @payload), @record_size as above. @buf
 * (@buflen bytes, at least 4 KiB) is the scratch buffer the stream is
 * generated into; the data goes out with pwrite(2), and the CRCs each
 * format needs are computed on the way.
 *
 * Returns 0, -EINVAL (bad sizes, a payload longer than @s), -EOPNOTSUPP
 * (HDF5 without libhdf5), -EIO (an HDF5 error), or the negative errno of a
 * failed write (-ENOSPC for a short one).
 */
int dgen_format_write(int fd, enum dgen_format f,
		      const struct dgen_stream *s, uint64_t payload,
		      uint32_t record_size, void *buf, size_t buflen);

/* What dgen_format_verify found in one file. */
struct dgen_format_check {
	uint64_t payload_bytes;		/* payload bytes compared */
	uint64_t mismatches;		/* payload blocks that differ */
	uint64_t kinds[DGEN_MISMATCH_KINDS]; /* of them, by kind */
	uint64_t bad_sectors;		/* 512-byte payload sectors that differ */
	uint64_t framing_errors;	/* headers, lengths, CRCs, directories or
					   file size not as dgen_format_write
					   makes them */
	uint64_t framing_offset;	/* file offset of the first one */
	unsigned int reported;		/* entries filled in the report */
};

/*
 * dgen_format_verify - read the file open as @fd (from offset 0, with
 * pread(2); O_DIRECT not needed) and check it is the file of format @f
 * that dgen_format_write makes from @s with @payload and @record_size:
 * every payload block against the stream (kinds as the engine's verify:
 * zeroed, stale = equals @prev there when @prev is not NULL, foreign),
 * and every byte around the payload (headers, CRCs, zip directories;
 * for HDF5 the dataset's type, shape and layout). @buf/@buflen (at least
 * 64 KiB) is the scratch space; a larger one gives larger reads. The
 * @report_len bad blocks of lowest payload offset go to @report (target
 * 0, offset = payload offset of the block, sector map relative to the
 * block's payload bytes).
 *
 * Each structure that differs is one framing error (not each byte); the
 * framing offset is the lowest file offset among them. An HDF5 file that
 * libhdf5 cannot open or read as /data is one framing error at offset 0,
 * and the payload it could not give compares as zero bytes. Safe to call
 * from several threads at once, each with its own @buf.
 *
 * Returns 0 whatever the file held (the counts say), or a negative errno:
 * -EINVAL (bad arguments, a payload longer than @s or @prev), -EOPNOTSUPP
 * (HDF5 without libhdf5), -ENOMEM, or what a read failed with. A file
 * shorter than expected is a framing error, and its missing payload reads
 * as zero bytes (zeroed blocks).
 */
int dgen_format_verify(int fd, enum dgen_format f,
		       const struct dgen_stream *s,
		       const struct dgen_stream *prev, uint64_t payload,
		       uint32_t record_size, void *buf, size_t buflen,
		       struct dgen_verify_mismatch *report,
		       unsigned int report_len, struct dgen_format_check *res);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_TREE_H */
