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

#ifdef __cplusplus
}
#endif

#endif /* DGEN_INSPECT_H */
