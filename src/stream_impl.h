/* SPDX-License-Identifier: MIT */
/*
 * stream_impl.h - the inside of struct dgen_stream, shared by the stream
 * modules (layout, fill, compare)
 */
#ifndef DGEN_STREAM_IMPL_H
#define DGEN_STREAM_IMPL_H

#include <dgen/stream.h>

#include "kernel.h"

/*
 * The layout (layout.c, doc/data-contract.md sections 2 and 3):
 *
 * Dedup. The stream is cut into pieces of G bytes (k = G / B blocks), and
 * the pieces into windows of Wp pieces. Slot j of every window carries a
 * new piece when ceil((j + 1) Dp / Wp) > ceil(j Dp / Wp), else a copy of
 * an earlier distinct piece of the same window; a window holds Dp distinct
 * pieces. The whole pieces after the last whole window form a shorter
 * window with its own count. A last, partial piece (S not a multiple of G) carries fresh
 * blocks in its first F blocks and copies in the rest.
 *
 * Compression. Distinct sector q (the q-th 512-byte sector of the
 * distinct blocks laid end to end) keeps
 *	r(q) = floor((q + 1) rho / 2^32) - floor(q rho / 2^32)
 * random bytes, at its head when q is even and at its tail when q is odd,
 * and zeros elsewhere; rho = 2^32 * 512 for incompressible streams.
 */
struct dgen_stream {
	struct dgen_stream_params p;	/* p.kernel points at kernel->name */
	const struct dgen_kernel *kernel;
	uint64_t root;			/* dgen_stream_root(seed, stream_id) */
	uint64_t blocks;		/* N */
	uint64_t distinct;		/* distinct blocks in the stream */
	uint64_t win_pieces;		/* Wp */
	uint64_t win_distinct;		/* Dp */
	uint64_t whole_pieces;		/* floor(S / G) */
	uint64_t full_windows;		/* whole windows in the stream */
	uint64_t tail_pieces;		/* whole pieces after them (< Wp) */
	uint64_t tail_distinct;		/* distinct pieces among those */
	uint64_t fresh;			/* F: fresh blocks of the partial piece */
	uint64_t rho;			/* random bytes per sector, 32.32 */
	uint32_t unit_shift;		/* log2 B */
	uint32_t piece_shift;		/* log2 G */
	uint32_t piece_blocks;		/* k = G / B */
	double compress_expect;		/* the model's ratio for rho */
	uint64_t origin;		/* a view's first byte (dgen_stream_view_new);
					   only the public fill and compare add it */
	/*
	 * Contract version 3 (layout_v3.c): tables per window shape, 0 the
	 * whole windows', 1 the last, shorter window's; NULL when unused.
	 */
	struct dgen_shape {
		uint64_t pieces, distinct;	/* its Wp and Dp */
		uint32_t *slot;			/* skewed: slot j's local piece */
		uint8_t *cls;			/* mixed: class of local block
						   n k + b (piece n, block b) */
	} shape[2];
	unsigned int mix_count;		/* classes of the mix; 0: none */
	uint64_t mix_rho[DGEN_COMPRESS_MIX_MAX];	/* rho of each class */
	double mix_expect;		/* 1 / sum(w_i / c_i) */
	double top1;			/* the top 1% share (v3 streams) */
	double mix_gap;			/* the worst window share gap */
	/*
	 * Contract 7.4 (stream_match.c): a class whose mix.bits is set ANDs
	 * its bytes with mix_mask, by their offset in the sector pair (1 KiB
	 * of distinct bytes): 2^k - 1 at a share f of the places,
	 * 2^(k + 1) - 1 at the others, and 0xff at the even sector's first
	 * and the odd sector's last DGEN_MIN_RANDOM_BYTES (the sector rule's
	 * bytes, at the outer ends of the two random runs).
	 */
	uint64_t mix_mask[DGEN_COMPRESS_MIX_MAX][(2 * DGEN_SECTOR_SIZE + 64) / 8];
						/* (its first 64 bytes again
						   at the end, for loads that
						   wrap) */
	uint8_t mix_k[DGEN_COMPRESS_MIX_MAX];	/* 0: full bytes */
	int mix_k_any;				/* some class has bits */
	/* The bytes a sector of run r copies (stream_match.c), by r: one
	   load per sector instead of a float multiply. */
	uint16_t match_copied[DGEN_SECTOR_SIZE + 1];
};

/* dgen_layout_compute - derive the layout fields of @s from s->p. */
void dgen_layout_compute(struct dgen_stream *s);

/*
 * dgen_block_run - the distinct block *@u that block @i carries, and how
 * many blocks from @i on carry u, u + 1, ... without a jump (layout.c).
 */
uint64_t dgen_block_run(const struct dgen_stream *s, uint64_t i, uint64_t *u);

/* The default or asked window of @p in bytes, before rounding (layout.c). */
uint64_t dgen_window_bytes(const struct dgen_stream_params *p);

/* rho for compress ratio @c: random bytes per sector, 32.32 (layout.c). */
uint64_t dgen_sector_random(double c);

/*
 * dgen_layout_local - the local piece (0 .. Dp - 1, in order of first use)
 * that slot @j of a window of @Wp pieces with @Dp distinct carries, from
 * the skew table @slot when there is one, else the even layout (layout.c).
 */
uint64_t dgen_layout_local(const uint32_t *slot, uint64_t j, uint64_t Wp,
			   uint64_t Dp);

/*
 * dgen_layout_domain_piece - in a dedup domain, the piece t' Dp + n' of
 * the row (target t', its local piece n') that slot @j of target @t's
 * window carries; @slot: the shape's skew table, or NULL (layout.c).
 */
uint64_t dgen_layout_domain_piece(const struct dgen_stream *s,
				  const uint32_t *slot, uint64_t t, uint64_t j,
				  uint64_t Wp, uint64_t Dp);

/*
 * dgen_layout_cross - in a dedup domain (scope_targets >= 2), the share
 * of the domain's copies (its T targets') whose source is another target;
 * else 0.
 */
double dgen_layout_cross(const struct dgen_stream *s);

/* dgen_params_v3_check - the checks of the v3 fields (params_v3.c). */
int dgen_params_v3_check(const struct dgen_stream_params *p, char *msg,
			 size_t msglen);

/*
 * dgen_layout_v3 - build the tables of a mixed or skewed stream and its
 * mix ratio and top 1% share (layout_v3.c); 0 or -ENOMEM.
 * dgen_layout_v3_free releases them.
 */
int dgen_layout_v3(struct dgen_stream *s);
void dgen_layout_v3_free(struct dgen_stream *s);

/* dgen_block_class - the mix class of distinct block @u (layout_v3.c). */
unsigned int dgen_block_class(const struct dgen_stream *s, uint64_t u);

/* The rho of distinct block @u: its class's in a mix, else the stream's. */
static inline uint64_t dgen_block_rho(const struct dgen_stream *s, uint64_t u)
{
	return s->mix_count ? s->mix_rho[dgen_block_class(s, u)] : s->rho;
}

/* dgen_fill_range - dgen_stream_fill without the range check. */
void dgen_fill_range(const struct dgen_stream *s, uint8_t *dst,
		     uint64_t offset, uint64_t len);

/*
 * dgen_fill_distinct - the @len bytes (whole sectors) from address @a of
 * the distinct blocks laid end to end, as laid before narrowing and
 * matches (stream.c).
 */
void dgen_fill_distinct(const struct dgen_stream *s, uint8_t *dst,
			uint64_t a, uint32_t len);

/*
 * dgen_entropy_mask - narrow @n bytes at distinct address @a (u B + the
 * offset in block u), in @dst, as class @c's mask says; nothing for a
 * class without bits (stream_match.c). dgen_entropy_setup derives mix_k
 * and mix_mask from p.mix.bits, and match_copied from p.match_share.
 */
void dgen_entropy_mask(const struct dgen_stream *s, unsigned int c,
		       uint64_t a, uint8_t *dst, uint64_t n);
void dgen_entropy_setup(struct dgen_stream *s);

/*
 * The blocks a fill laid, by stream block index mod DGEN_LAID_BLOCKS: the
 * distinct block each carries and its class, so the match pass behind the
 * fill does not look them up again. The match pass lays one 64 KiB piece
 * at a time, at most 128 blocks (B >= 512), and reads a block's entry
 * before the next piece is laid, so 256 entries hold every block it reads.
 */
#define DGEN_LAID_BLOCKS	256u
struct dgen_laid {
	uint64_t u[DGEN_LAID_BLOCKS];
	uint8_t cls[DGEN_LAID_BLOCKS];
};

/*
 * dgen_fill_base - the bytes of stream range [offset, offset + len) in
 * @dst before the matches, narrowed (stream.c); records the blocks in
 * @laid unless it is NULL.
 */
void dgen_fill_base(const struct dgen_stream *s, uint8_t *dst,
		    uint64_t offset, uint64_t len, struct dgen_laid *laid);

/*
 * dgen_match_apply - lay the base bytes, narrowed (dgen_fill_base), and
 * the matches of a match share (contract 7.4) over them, for stream range
 * [offset, offset + len) in @dst (stream_match.c), a piece at a time
 * while it is in cache.
 */
void dgen_match_apply(const struct dgen_stream *s, uint8_t *dst,
		      uint64_t offset, uint64_t len);

#endif /* DGEN_STREAM_IMPL_H */
