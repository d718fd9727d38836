/* SPDX-License-Identifier: MIT */
/*
 * dgen/inspect.h - measure what a storage system would see in some data:
 * dedup ratios, compression ratios, zero and same-filled sectors
 *
 * An inspector is an accumulator. Feed it the data in pieces that start on
 * 1 MiB boundaries of the inspected range, in any order; give each thread
 * its own inspector (an inspector is not locked) with one shared cache,
 * and merge them at the end. The result does not depend on the order of
 * the pieces, nor on how they were spread over inspectors.
 *
 * This is how dgen-inspect and the tests check libdgen's promises
 * (doc/data-contract.md sections 2 and 3) with real hashes and real compressors; it needs
 * liblz4, libzstd and libxxhash, which libdgen itself does not, so it is
 * built as a library of its own.
 */
#ifndef DGEN_INSPECT_H
#define DGEN_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== Parameters ===== */

/* Dedup is measured at every power of two from UNIT_MIN to UNIT_MAX. */
#define DGEN_INSPECT_UNIT_MIN		512u
#define DGEN_INSPECT_UNIT_MAX		(1u << 20)
#define DGEN_INSPECT_UNITS		12
/* Offsets given to dgen_inspect_feed must be multiples of this. */
#define DGEN_INSPECT_ALIGN		DGEN_INSPECT_UNIT_MAX
#define DGEN_INSPECT_SECTOR		512u
#define DGEN_INSPECT_ZSTD_LEVEL_DEFAULT	3

/* Skip the dedup count (no memory grows with the data). */
#define DGEN_INSPECT_NO_DEDUP		(1u << 0)
/* Skip the compressors (the dearest part by far). */
#define DGEN_INSPECT_NO_COMPRESS	(1u << 1)

struct dgen_inspect_cache;

struct dgen_inspect_opts {
	uint32_t flags;			/* DGEN_INSPECT_NO_* */
	int zstd_level;			/* default 3, what zstd itself defaults to */
	struct dgen_inspect_cache *cache;	/* NULL: the inspector's own */
	/*
	 * Dedup by content sampling (Xie et al., "Estimating duplication by
	 * content-based sampling", USENIX ATC 2013): count only the chunks
	 * whose hash falls in 1/dedup_sample of the hash space, a power of
	 * two (default 1: every chunk). All copies of a content are in or
	 * out together, so chunks / distinct of the sample estimates the
	 * ratio with 1/dedup_sample of the memory. All-zero chunks are
	 * always counted, exactly. The cache then keeps only sampled pieces.
	 */
	uint32_t dedup_sample;
};

/* dgen_inspect_opts_init - fill @o with the defaults: measure everything,
 * zstd level 3, a cache of its own, no sampling. */
void dgen_inspect_opts_init(struct dgen_inspect_opts *o);

/* ===== Compressed-size cache ===== */

/*
 * A piece that repeats compresses to the same sizes, so an inspector
 * compresses each distinct whole 4 KiB and 64 KiB piece once and keeps its
 * sizes by hash. Inspectors on several threads can share one cache (it is
 * locked inside), so that a piece is compressed once in all rather than
 * once per thread; the results are the same with or without sharing.
 */

/*
 * dgen_inspect_cache_new - an empty cache for inspectors that use zstd
 * level @zstd_level (the sizes depend on it).
 *
 * Returns 0 and sets *@out, -EINVAL for a level outside zstd's range, or
 * -ENOMEM.
 */
int dgen_inspect_cache_new(struct dgen_inspect_cache **out, int zstd_level);

/* dgen_inspect_cache_free - release @c, after every inspector using it;
 * NULL is allowed. */
void dgen_inspect_cache_free(struct dgen_inspect_cache *c);

/* ===== Results ===== */

enum dgen_inspect_codec {
	DGEN_INSPECT_LZ4,		/* LZ4_compress_default */
	DGEN_INSPECT_ZSTD,		/* ZSTD_compressCCtx at opts.zstd_level */
	DGEN_INSPECT_CODECS
};

enum dgen_inspect_piece {
	DGEN_INSPECT_PIECE_4K,		/* each aligned 4 KiB compressed alone */
	DGEN_INSPECT_PIECE_64K,		/* each aligned 64 KiB compressed alone */
	DGEN_INSPECT_PIECES
};

struct dgen_inspect_dedup {
	uint32_t unit;			/* g: chunk size, a power of two */
	uint64_t chunks;		/* aligned whole g-byte chunks seen */
	uint64_t distinct;		/* how many of them differ (estimated
					   when sampling) */
	double ratio;			/* chunks / distinct (estimated from the
					   sample when sampling); 0 when no chunk */
};

struct dgen_inspect_compress {
	const char *codec;		/* "lz4" or "zstd" */
	uint32_t piece;			/* 4096 or 65536 */
	uint64_t in;			/* bytes given to the compressor */
	uint64_t out;			/* bytes it stored; a piece that does not
					   shrink counts at its own size, as a
					   storage system keeps it raw */
	double ratio;			/* in / out; 0 when nothing was fed */
};

struct dgen_inspect_result {
	uint64_t bytes;			/* bytes fed */
	uint64_t sectors;		/* whole 512-byte sectors fed */
	uint64_t zero_sectors;		/* sectors of 512 zero bytes */
	uint64_t same_sectors;		/* sectors of one repeated non-zero byte */
	uint32_t dedup_sample;		/* dedup counts 1 in this many contents */
	struct dgen_inspect_dedup dedup[DGEN_INSPECT_UNITS];	/* 512 B up */
	struct dgen_inspect_compress
		compress[DGEN_INSPECT_CODECS][DGEN_INSPECT_PIECES];
};

/* ===== Inspectors ===== */

struct dgen_inspect;

/*
 * dgen_inspect_new - create an empty inspector with options @o (NULL: the
 * defaults; copied).
 *
 * Returns 0 and sets *@out, -EINVAL when o->zstd_level is outside zstd's
 * range or differs from o->cache's, or o->dedup_sample is not a power of
 * two, or -ENOMEM.
 */
int dgen_inspect_new(struct dgen_inspect **out,
		     const struct dgen_inspect_opts *o);

/* dgen_inspect_free - release @in; NULL is allowed. */
void dgen_inspect_free(struct dgen_inspect *in);

/*
 * dgen_inspect_feed - account the @len bytes at @buf, which sit at @offset
 * of the inspected range.
 *
 * @offset must be a multiple of DGEN_INSPECT_ALIGN (1 MiB), so every dedup
 * chunk, compression piece and sector inside is aligned too. Feed every
 * range once; a @len that is not a multiple of 1 MiB should only end the
 * data: its last partial chunks are left out of the dedup counts (and a
 * partial sector out of the sector counts), its last partial compression
 * piece is compressed as it is.
 *
 * Returns 0, -EINVAL when @offset is not aligned, or -ENOMEM when a hash
 * set cannot grow or zstd cannot allocate. Each whole 1 MiB is accounted
 * entirely or not at all, but after an error the inspector has seen only
 * part of @buf: free it.
 */
int dgen_inspect_feed(struct dgen_inspect *in, const void *buf,
		      uint64_t offset, size_t len);

/*
 * dgen_inspect_merge - add everything @src has seen to @dst, as if @dst had
 * been fed @src's data too (dedup counts chunks distinct across both).
 * @src is left as it was.
 *
 * Returns 0, -EINVAL when the two were made with different options, or
 * -ENOMEM (then @dst is only partly merged: free it).
 */
int dgen_inspect_merge(struct dgen_inspect *dst,
		       const struct dgen_inspect *src);

/* dgen_inspect_result_get - the counts and ratios of all data fed so far. */
void dgen_inspect_result_get(const struct dgen_inspect *in,
			     struct dgen_inspect_result *out);

/*
 * dgen_inspect_memory - bytes of memory @in holds now, mostly its hash sets
 * (16 bytes per distinct chunk at each unit, over the load factor) and its
 * own cache (a shared one is not counted).
 */
uint64_t dgen_inspect_memory(const struct dgen_inspect *in);

/* ===== Reading a file, a device or a stream ===== */

/*
 * dgen_inspect_read inspects a whole source in one call: files and block
 * devices are read in 1 MiB blocks with O_DIRECT through io_uring, one
 * ring per thread (thread t reads blocks t, t + T, t + 2T...) with
 * DGEN_INSPECT_READ_QD reads in flight while it hashes and compresses the
 * block at hand, into an inspector of its own; all share one cache, and
 * the inspectors are merged pairwise at the end. Stdin and other streams
 * are read with read(2) on the caller's thread. This is dgen-inspect.
 */

#define DGEN_INSPECT_READ_QD		4u	/* reads in flight per thread */
#define DGEN_INSPECT_READ_THREADS_MAX	1024u
#define DGEN_INSPECT_SAMPLE_MAX		(1u << 30)

/* How the blocks are read; the report says which way was used. */
enum dgen_inspect_read_how {
	DGEN_INSPECT_READ_FIXED,	/* io_uring READ_FIXED (registered) */
	DGEN_INSPECT_READ_PLAIN,	/* io_uring READ */
	DGEN_INSPECT_READ_PREAD,	/* pread(2) */
	DGEN_INSPECT_READ_STREAM,	/* read(2) of a stream, one thread */
};

struct dgen_inspect_read_opts {
	const char *path;		/* a file, a block device, "-": stdin */
	uint64_t offset;		/* where the range starts; chunks are
					   aligned to it */
	uint64_t size;			/* bytes from there; UINT64_MAX: to
					   the end */
	unsigned int threads;		/* 0: the online CPUs; a stream uses
					   one, a range no more than its blocks */
	/*
	 * 0: every chunk, unless counting every chunk of a file or device
	 * where nothing repeats would not fit in half the RAM; then the
	 * smallest power of two that fits (report.sample_chosen says so).
	 */
	uint32_t dedup_sample;
	/*
	 * DGEN_INSPECT_READ_FIXED: the best the kernel allows (registered
	 * buffers, else plain io_uring reads, else pread); PLAIN or PREAD
	 * force that fallback, to check it reads the same bytes.
	 */
	enum dgen_inspect_read_how how;
	/*
	 * Called on the caller's thread about every progress_s seconds
	 * while the threads read a file or device (NULL: none).
	 */
	void (*progress)(void *arg, uint64_t bytes, uint64_t total,
			 double seconds);
	void *progress_arg;
	double progress_s;		/* default 1 */
	/*
	 * Non-zero (read atomically) once the caller wants it to end (a
	 * SIGINT): the reading stops, and what was read is measured and
	 * reported (report.stopped). A stream read blocked in read(2) or a
	 * FIFO waiting for a writer in open(2) ends when a signal handler
	 * installed without SA_RESTART interrupts it. NULL: never.
	 */
	const int *stop;
};

/* dgen_inspect_read_opts_init - fill @o: stdin, everything, online CPUs,
 * sampling only where memory needs it, the best way of reading. */
void dgen_inspect_read_opts_init(struct dgen_inspect_read_opts *o);

/* Where dgen_inspect_read stopped. */
enum dgen_inspect_read_fail {
	DGEN_INSPECT_READ_DONE,		/* it did not: the result is valid */
	DGEN_INSPECT_READ_EOPTS,	/* bad options */
	DGEN_INSPECT_READ_EOPEN,	/* stat/open (-EISDIR: a directory) */
	DGEN_INSPECT_READ_ESIZE,	/* the size of a block device */
	DGEN_INSPECT_READ_ERANGE,	/* offset beyond the end (of total) */
	DGEN_INSPECT_READ_EREAD,	/* a read failed at err_off; -ENODATA:
					   the source ended there, before
					   start + len */
	DGEN_INSPECT_READ_ESETUP,	/* memory, threads, the inspector */
};

struct dgen_inspect_read_report {
	const char *kind;		/* "regular file", "block device",
					   "pipe", "stream", "stdin" */
	int direct;			/* read with O_DIRECT */
	int direct_open_refused;	/* open refused O_DIRECT: page cache */
	int direct_read_refused;	/* reads refused it: page cache */
	int sample_chosen;		/* dedup_sample chosen to fit memory */
	uint32_t dedup_sample;		/* the sampling used */
	enum dgen_inspect_read_how how;	/* thread 0's way of reading */
	unsigned int threads;
	uint64_t start;			/* the range: offset */
	uint64_t len;			/* its bytes (a stream: size asked) */
	uint64_t total;			/* the file's or device's bytes */
	double seconds;			/* reading and measuring */
	struct dgen_inspect_result result;	/* when fail is DONE */
	enum dgen_inspect_read_fail fail;
	int err;			/* -errno of the failure */
	uint64_t err_off;		/* where a failed read was */
	unsigned int failures;		/* threads that failed (a read
					   failure is reported before others) */
	int stopped;			/* opts.stop ended it early: the
					   result covers result.bytes */
};

/*
 * dgen_inspect_read - inspect the range of @o->path that @o names and fill
 * @rep (everything it got to, also on failure).
 *
 * Returns 0, or a negative errno with rep->fail saying where: -EINVAL for
 * bad options (threads over the maximum, a sample that is not a power of
 * two up to DGEN_INSPECT_SAMPLE_MAX, an unknown way of reading), the
 * errno of stat/open (-EISDIR for a directory), of BLKGETSIZE64, -ERANGE
 * for an offset beyond the end, a read's errno or -ENODATA when the data
 * ended early, -ENOMEM.
 */
int dgen_inspect_read(const struct dgen_inspect_read_opts *o,
		      struct dgen_inspect_read_report *rep);

/* ===== Profiles (dgen/profile.h, doc/profile.md) ===== */

struct dgen_profile;

/*
 * dgen_profile_measure - profile the sample @path: a file, a block device
 * or a tree (its regular files, in name order, as one sample), with real
 * lz4, zstd (level 3) and xxhash.
 * Returns 0, or a negative errno with a sentence in @msg (-ENODATA: less
 * than one 4 KiB block).
 */
int dgen_profile_measure(struct dgen_profile *p, const char *path,
			 char *msg, size_t msglen);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_INSPECT_H */
