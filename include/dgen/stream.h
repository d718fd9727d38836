/* SPDX-License-Identifier: MIT */
/*
 * dgen/stream.h - data streams: exact dedup and compression, addressable bytes
 *
 * A stream is a pure function of its address (doc/data-contract.md section 1):
 * the byte at offset x depends only on the stream parameters and x, never on
 * how the stream is cut into fill calls, on threads, or on the SIMD kernel.
 * A stream object is immutable once created, so any number of threads may
 * fill or compare from one stream at once without locking.
 */
#ifndef DGEN_STREAM_H
#define DGEN_STREAM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== Parameters ===== */

/*
 * The version of the stream format: the bytes a given set of parameters
 * produces. It changes whenever the bytes of any stream change, so a report
 * that names it says which generator can verify the data again.
 * Version 2: per-sector compression layout, dedup ratio on every window.
 */
#define DGEN_STREAM_FORMAT_VERSION	2
/*
 * Version 3 (contract version 3): a compress mix or skewed copies. Only
 * streams that use them are format 3; all others keep format 2's bytes
 * and number (dgen_stream_params_format says which a stream is).
 */
#define DGEN_STREAM_FORMAT_V3		3

#define DGEN_DEDUP_UNIT_DEFAULT		4096u
/* Unused since format 2 (see compress_chunk below); kept for the API. */
#define DGEN_COMPRESS_CHUNK_DEFAULT	4096u
#define DGEN_UNIT_MIN			512u
#define DGEN_UNIT_MAX			(1u << 20)
#define DGEN_SECTOR_SIZE		512u
/* Every 512-byte sector keeps at least this many random bytes. */
#define DGEN_MIN_RANDOM_BYTES		16u
/* The highest compress ratio the sector rule can serve within 8%. */
#define DGEN_COMPRESS_RATIO_MAX		20.0
/*
 * The default dedup window is max(64 MiB, 64 d MiB) (rounded down to whole
 * dedup pieces): 64 distinct 1 MiB pieces, so the ratio of every window is
 * within 1% of d at every granularity up to 1 MiB.
 */
#define DGEN_DEDUP_WINDOW_UNITS		64u
/* A compress mix holds at most this many ratio:weight pairs. */
#define DGEN_COMPRESS_MIX_MAX		16u
/* The highest Zipf exponent of skewed copies. */
#define DGEN_DEDUP_SKEW_MAX		3.0
/*
 * The default window of a skewed stream holds this many distinct 1 MiB
 * pieces (256 d MiB), so its most referenced 1% are whole pieces (at
 * DGEN_DEDUP_WINDOW_UNITS distinct pieces the top 1% would be part of one).
 */
#define DGEN_SKEW_WINDOW_UNITS		256u

/*
 * A compress mix (contract version 3): distinct blocks take ratio[i] in
 * the share weight[i] of every dedup window. count 0: no mix, the stream
 * has the one compress_ratio.
 */
struct dgen_compress_mix {
	unsigned int count;
	double ratio[DGEN_COMPRESS_MIX_MAX];	/* each as compress_ratio */
	double weight[DGEN_COMPRESS_MIX_MAX];	/* > 0, summing to 1 */
	/*
	 * Contract 7.4: the entropy of the class's random bytes in bits per
	 * byte (zstd's entropy coder finds it, lz4 does not); 0 or 8: full.
	 * Written "c:w:bits" when set.
	 */
	double bits[DGEN_COMPRESS_MIX_MAX];
};

struct dgen_stream_params {
	uint64_t seed;
	uint64_t stream_id;
	uint64_t size;			/* S: stream length in bytes, > 0 */
	uint32_t dedup_unit;		/* B: power of two, 512 B .. 1 MiB */
	uint32_t compress_chunk;	/* unused since format 2: the layout is
					   per 512-byte sector; any value */
	double dedup_ratio;		/* d >= 1: total blocks / distinct blocks */
	double compress_ratio;		/* c, 1 <= c <= DGEN_COMPRESS_RATIO_MAX */
	const char *kernel;		/* NULL: the best kernel for this CPU */
	uint64_t dedup_window;		/* W in bytes; 0: the default,
					   max(64 MiB, 64 d MiB), or
					   max(256 MiB, 256 d MiB) skewed */
	/* Contract version 3; zero for a format 2 stream. */
	struct dgen_compress_mix mix;	/* count > 0: replaces compress_ratio */
	double dedup_skew;		/* s, 0 .. DGEN_DEDUP_SKEW_MAX: copies
					   follow Zipf(s) in each window */
	/*
	 * Dedup across targets (contract 7.3): with scope_targets T >= 2,
	 * streams stream_id - scope_index + 0 .. T - 1 of one seed form one
	 * dedup domain, this one being target scope_index (< T); all T
	 * must have the same size and parameters. 0 or 1: the stream alone.
	 */
	uint32_t scope_targets;
	uint32_t scope_index;
	unsigned int dedup_scope;	/* enum dgen_dedup_scope (the option;
					   the run fills the two above) */
	/*
	 * Mimicry (contract 7.4, dgen/profile.h): the share of the random
	 * bytes of each block but the first of every 64 KiB of distinct
	 * blocks copied, at unaligned offsets, from an earlier block of
	 * that 64 KiB (each sector keeps DGEN_MIN_RANDOM_BYTES of its own),
	 * so zstd per 64 KiB finds what zstd per 4 KiB cannot. 0: none.
	 */
	double match_share;
	/*
	 * The digest of the profile a --like stream mimics
	 * (dgen_profile_digest); "" otherwise. Only printed: the stream's
	 * bytes follow from the fields above.
	 */
	char profile_digest[36];
};
/* The highest match share. */
#define DGEN_MATCH_SHARE_MAX		0.9

/* --dedup-scope: whose blocks a stream's copies may repeat. */
enum dgen_dedup_scope {
	DGEN_DEDUP_SCOPE_TARGET = 0,	/* its own (default) */
	DGEN_DEDUP_SCOPE_RUN = 1,	/* every target of the run or fleet */
};

/*
 * dgen_stream_params_init - fill @p with the defaults: seed 0, stream 0,
 * size 0 (the caller must set it), B = 4 KiB, d = c = 1, the default dedup
 * window, best kernel.
 */
void dgen_stream_params_init(struct dgen_stream_params *p);

/*
 * dgen_stream_params_check - validate @p.
 *
 * Returns 0, or -EINVAL when a value is out of range: d or c below 1, NaN or
 * infinite; c above DGEN_COMPRESS_RATIO_MAX; B not a power of two or outside
 * 512 B .. 1 MiB; a dedup window (when set) holding fewer than 50 d blocks;
 * size 0; an unknown or unsupported kernel name; a compress mix that
 * dgen_compress_mix_parse would refuse, a dedup skew outside 0 ..
 * DGEN_DEDUP_SKEW_MAX, or either with a window (within the stream) of more
 * than 2^24 blocks.
 * On -EINVAL, when @msg is not NULL, a sentence a user can act on (naming the
 * value and the accepted range) is written to @msg (at most @msglen bytes,
 * NUL-terminated).
 */
int dgen_stream_params_check(const struct dgen_stream_params *p,
			     char *msg, size_t msglen);

/*
 * dgen_stream_params_format - the stream format @p's bytes follow:
 * DGEN_STREAM_FORMAT_V3 with a compress mix or skewed copies, else
 * DGEN_STREAM_FORMAT_VERSION. Reports print this one.
 */
unsigned int dgen_stream_params_format(const struct dgen_stream_params *p);

/*
 * dgen_compress_mix_parse - read "c1:w1,...,ck:wk" into @mix.
 *
 * Returns 0, or -EINVAL with a sentence in @msg: a pair that is not two
 * numbers, more than DGEN_COMPRESS_MIX_MAX pairs, a ratio below 1 or above
 * DGEN_COMPRESS_RATIO_MAX, a weight not above 0, weights whose sum is not
 * 1 (within 0.001). A ratio of exactly 0 is a class of all-zero blocks
 * (a profile's zero blocks, contract 7.4): the only all-zero sectors.
 */
int dgen_compress_mix_parse(struct dgen_compress_mix *mix, const char *spec,
			    char *msg, size_t msglen);

/*
 * dgen_compress_mix_format - write @mix as dgen_compress_mix_parse reads
 * it (each number to 17 significant digits) to @buf; returns @buf.
 */
char *dgen_compress_mix_format(const struct dgen_compress_mix *mix,
			       char *buf, size_t len);

/* ===== Streams ===== */

struct dgen_stream;

/*
 * dgen_stream_new - create a stream from @p (copied; p->kernel need not
 * outlive the call).
 *
 * Returns 0 and sets *@out, -EINVAL (with @msg as for
 * dgen_stream_params_check), or -ENOMEM.
 */
int dgen_stream_new(struct dgen_stream **out,
		    const struct dgen_stream_params *p,
		    char *msg, size_t msglen);

/*
 * dgen_stream_view_new - a stream whose byte x is byte @origin + x of the
 * stream @p (p->size: the whole stream's bytes; its layout, ratios and
 * parameters are the whole stream's). Several writers each given a view
 * at a different origin lay down disjoint slices of one stream, and the
 * bytes are those a single writer of @p puts there. Fills and compares
 * take view offsets, up to p->size - @origin; the mismatches they report
 * carry view offsets too. @origin must be a multiple of p->dedup_unit.
 *
 * Returns 0 and sets *@out, -EINVAL (@msg: as dgen_stream_new, or an
 * origin past the end or not block-aligned), or -ENOMEM.
 */
int dgen_stream_view_new(struct dgen_stream **out,
			 const struct dgen_stream_params *p, uint64_t origin,
			 char *msg, size_t msglen);

/* dgen_stream_free - release @s; NULL is allowed. */
void dgen_stream_free(struct dgen_stream *s);

/* dgen_stream_params_get - the parameters @s was made from. */
const struct dgen_stream_params *
dgen_stream_params_get(const struct dgen_stream *s);

/*
 * The layout a stream's parameters give (doc/data-contract.md sections 2
 * and 3). Dedup copies whole pieces of dedup_exact_unit bytes (G); every
 * aligned window of dedup_window bytes holds window_pieces pieces of which
 * window_distinct are distinct.
 */
struct dgen_stream_layout {
	uint64_t blocks;		/* N = ceil(S / B) */
	uint64_t unique_blocks;		/* distinct blocks in the whole stream */
	uint64_t chunks;		/* 512-byte sectors of the distinct blocks */
	uint64_t zero_bytes;		/* zero bytes in the distinct blocks */
	uint32_t dedup_exact_unit;	/* G: the piece dedup copies whole; the
					   ratio holds at every g from 512 B to G */
	double dedup_ratio;		/* N / distinct, what the stream holds */
	double compress_ratio;		/* what lz4 and zstd are expected to
					   measure per 4 KiB and 64 KiB (the
					   calibrated model, src/layout.c) */
	const char *kernel;		/* the kernel in use */
	unsigned int format_version;	/* DGEN_STREAM_FORMAT_VERSION */
	uint64_t dedup_window;		/* W in bytes, a multiple of G */
	uint64_t window_pieces;		/* W / G */
	uint64_t window_distinct;	/* distinct pieces per window */
	double sector_random;		/* mean random bytes per 512-byte sector */
	/* Contract version 3 (0 when not in use). */
	double mix_ratio;		/* 1 / sum(w_i / c_i) of a compress mix */
	double top1_share;		/* share of all blocks held by the most
					   referenced 1% of distinct blocks */
	double cross_share;		/* scope run: share of the domain's copies
					   whose source is in another target */
	double mix_share_gap;		/* the largest gap, in any window, between
					   a ratio's share of the blocks and its
					   weight (< 0.01 unless one block weighs
					   about 1% of its window) */
};

/* dgen_stream_layout_get - the layout derived from the parameters of @s. */
void dgen_stream_layout_get(const struct dgen_stream *s,
			    struct dgen_stream_layout *out);

/* ===== Generation ===== */

/*
 * dgen_stream_fill - write the stream's bytes [offset, offset + len) to @buf.
 *
 * Any offset and length inside the stream work; ranges aligned to the dedup
 * unit take the fast path. No allocation, no locks: safe to call from many
 * threads on one stream. Returns 0, or -EINVAL when the range leaves the
 * stream (offset + len > S, or it overflows).
 */
int dgen_stream_fill(const struct dgen_stream *s, void *buf,
		     uint64_t offset, size_t len);

/* ===== Comparison ===== */

struct dgen_mismatch {
	uint64_t block;			/* block index i */
	uint64_t unique;		/* u(i): the distinct block it should hold */
	uint64_t offset;		/* stream offset of the first byte compared in
					   this block */
	uint32_t len;			/* bytes compared in this block */
	uint32_t bad_sectors;		/* 512-byte sectors that differ */
	uint64_t first_sector;		/* stream sector (offset / 512) of map bit 0 */
	const uint64_t *sector_map;	/* bit k: sector first_sector + k differs */
	uint64_t first_bad;		/* stream offset of the first differing byte */
	int all_zero;			/* the compared bytes read back all zero */
};

/*
 * dgen_mismatch_fn - called once per block that differs, in stream order.
 * Return 0 to go on, anything else to stop the comparison.
 * @m and its sector_map are valid only during the call.
 */
typedef int (*dgen_mismatch_fn)(const struct dgen_mismatch *m, void *arg);

/*
 * dgen_stream_compare - check @buf against the stream's bytes
 * [offset, offset + len) and report each block that differs to @fn (may be
 * NULL to count only).
 *
 * Returns the number of blocks that differ (0: identical), or -EINVAL when
 * the range leaves the stream. When @fn stops the walk, returns the count so
 * far.
 */
int64_t dgen_stream_compare(const struct dgen_stream *s, const void *buf,
			    uint64_t offset, size_t len,
			    dgen_mismatch_fn fn, void *arg);

/* ===== Passes ===== */

/*
 * dgen_pass_seed - the seed of burn-in pass @pass of a run seeded @seed.
 *
 * Pass 1 (and 0) is the run's seed itself, so a one-pass run verifies with
 * its printed seed; pass p >= 2 is an fmix64 chain over (seed, p) with its
 * own domain constant, so no pass's stream shares a block with another's
 * and data a pass left behind never passes as the next one's
 * (doc/data-contract.md section 5).
 */
uint64_t dgen_pass_seed(uint64_t seed, uint64_t pass);

/* ===== Kernels ===== */

/*
 * dgen_kernel_name - the name of generation kernel @i usable on this CPU,
 * best first (index 0 is the default); NULL past the last. The portable
 * kernel ("generic") is always there. Setting DGEN_DISABLE_CPU_FEATURES to
 * a comma-separated list (avx2, avx512, or all) hides kernels, to force a
 * variant in tests; it is read once, when the process first makes a stream
 * or lists kernels, so set it before that (or in the environment).
 */
const char *dgen_kernel_name(unsigned int i);

#ifdef __cplusplus
}
#endif

#endif /* DGEN_STREAM_H */
