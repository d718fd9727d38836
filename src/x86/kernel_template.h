/* SPDX-License-Identifier: MIT */
/*
 * kernel_template.h - the SIMD generation kernel, one body for every ISA
 *
 * Included by kernel_<isa>.c after it defines ATTRIBUTES, FUNCNAME (the
 * dgen_fill_fn), FUNCNAME_BLOCKS (the dgen_fill_blocks_fn),
 * FUNCNAME_SECTORS (the dgen_fill_sectors_fn), FUNCNAME_SECTOR_BLOCKS (the
 * dgen_fill_sector_blocks_fn), FUNCNAME_ROWS (a helper's
 * name), VEC,
 * VEC_LANES (64-bit lanes per vector) and these inline helpers, each
 * compiled for its ISA:
 *
 *	vset1(x) vloadu(p) vstoreu(p, v) vadd(a, b) vxor(a, b) vand(a, b)
 *	vsrl33(a) vrol(a) (rotate left by DGEN_ROT) vmullo(a, c) (low 64 bits
 *	of each lane times the constant c) vcopy_short(dst, src, n) and
 *	vzero_short(dst, n) (n < 64 bytes, for partial rows)
 *
 * It implements prng.h exactly: a row of eight lanes is 64 / (8 *
 * VEC_LANES) vectors; full rows go straight to the destination with
 * unaligned stores, partial rows (the head and tail of an unaligned range)
 * through a 64-byte buffer on the stack.
 */
#define VEC_PER_ROW	(DGEN_LANES / VEC_LANES)
#define FUNCNAME_ROWS_ALL	FUNCNAME_ROWS##_all
#define FUNCNAME_PARTIAL	FUNCNAME_ROWS##_partial
#define FUNCNAME_SECTOR1	FUNCNAME_ROWS##_sector1
#define FUNCNAME_SEGMENT	FUNCNAME_ROWS##_segment
#define FUNCNAME_OUTM	FUNCNAME_ROWS##_outm
#define FUNCNAME_SECTOR_BLOCKS_ALL	FUNCNAME_ROWS##_sector_blocks
#define VEC_BYTES	(VEC_LANES * 8)

static ATTRIBUTES inline VEC vfmix64(VEC x)
{
	x = vxor(x, vsrl33(x));
	x = vmullo(x, DGEN_FMIX_M1);
	x = vxor(x, vsrl33(x));
	x = vmullo(x, DGEN_FMIX_M2);
	return vxor(x, vsrl33(x));
}

static ATTRIBUTES inline VEC vout(VEC v)
{
	return vxor(v, vrol(v));
}

/* A whole segment from lane states s[]: sixteen rows, unrolled. */
static ATTRIBUTES inline uint8_t *
FUNCNAME_ROWS_ALL(uint8_t *dst, VEC s[VEC_PER_ROW], VEC step)
{
	unsigned int r, i;

#pragma GCC unroll 16
	for (r = 0; r < DGEN_SEGMENT_ROWS; r++) {
		for (i = 0; i < VEC_PER_ROW; i++) {
			vstoreu(dst + i * VEC_BYTES, vout(s[i]));
			s[i] = vadd(s[i], step);
		}
		dst += DGEN_ROW_BYTES;
	}
	return dst;
}

/*
 * Rows [from, to) (byte positions inside one segment, 0..1024) of the
 * segment whose lane states are s[]: whole rows straight to @dst, a partial
 * first or last row through a buffer.
 */
static ATTRIBUTES inline uint8_t *
FUNCNAME_ROWS(uint8_t *dst, const VEC s[VEC_PER_ROW], uint32_t from,
	      uint32_t to)
{
	const VEC step = vset1(DGEN_ROW_STEP);
	uint32_t row = from / DGEN_ROW_BYTES;
	VEC v[VEC_PER_ROW];
	unsigned int i;

	for (i = 0; i < VEC_PER_ROW; i++)
		v[i] = vadd(s[i], vset1((uint64_t)row * DGEN_ROW_STEP));
	while (from < to) {
		uint32_t row_start = row * DGEN_ROW_BYTES;

		if (from == row_start && to - from >= DGEN_ROW_BYTES) {
			for (i = 0; i < VEC_PER_ROW; i++)
				vstoreu(dst + i * VEC_BYTES, vout(v[i]));
			dst += DGEN_ROW_BYTES;
			from += DGEN_ROW_BYTES;
		} else {
			uint8_t buf[DGEN_ROW_BYTES];
			uint32_t a = from - row_start;
			uint32_t b = to - row_start < DGEN_ROW_BYTES ?
				     to - row_start : DGEN_ROW_BYTES;

			for (i = 0; i < VEC_PER_ROW; i++)
				vstoreu(buf + i * VEC_BYTES, vout(v[i]));
			vcopy_short(dst, buf + a, b - a);
			dst += b - a;
			from = row_start + b;
		}
		for (i = 0; i < VEC_PER_ROW; i++)
			v[i] = vadd(v[i], step);
		row++;
	}
	return dst;
}

ATTRIBUTES void FUNCNAME(uint8_t *dst, const struct dgen_block_key *k,
			 uint32_t pos, uint32_t len, uint32_t zero_end)
{
	const uint32_t end = pos + len;
	VEC step = vset1(DGEN_ROW_STEP);
	const VEC seg_step = vset1(DGEN_LANES * DGEN_LANE_STEP);
	const VEC k1 = vset1(k->k1);
	uint32_t seg;
	VEC x[VEC_PER_ROW], s[VEC_PER_ROW], next[VEC_PER_ROW];
	unsigned int i;

	/*
	 * Hide the step's value from the optimiser: knowing it, GCC rewrites
	 * the unrolled v += step chain as v0 + r * step with a scalar
	 * broadcast per row, which costs more than the row itself.
	 */
	__asm__("" : "+v"(step));

	if (zero_end > pos) {
		/* The chunk's zero prefix, in whole vectors while they fit. */
		uint32_t n = zero_end < end ? zero_end - pos : len;
		const VEC zero = vset1(0);

		pos += n;
		for (; n >= VEC_BYTES; n -= VEC_BYTES, dst += VEC_BYTES)
			vstoreu(dst, zero);
		vzero_short(dst, n);
		dst += n;
		if (pos == end)
			return;
	}

	/*
	 * x[i]: the fmix64 inputs k0 + (8 seg + lane) * DGEN_LANE_STEP of the
	 * segment after the current one. Its lane states are computed before
	 * the current segment's stores (software pipelining): fmix64 is a
	 * chain of two multiplies, and placed after sixteen stores it would
	 * wait behind a full store queue instead of overlapping them.
	 */
	seg = pos / DGEN_SEGMENT_BYTES;
	for (i = 0; i < VEC_PER_ROW; i++) {
		x[i] = vadd(vset1(k->k0 + (uint64_t)seg * DGEN_LANES * DGEN_LANE_STEP),
			    vloadu(dgen_lane_offsets + i * VEC_LANES));
		next[i] = vfmix64(vxor(x[i], k1));
	}

	while (pos < end) {
		uint32_t seg_start = seg * DGEN_SEGMENT_BYTES;

		for (i = 0; i < VEC_PER_ROW; i++) {
			s[i] = next[i];
			x[i] = vadd(x[i], seg_step);
			next[i] = vfmix64(vxor(x[i], k1));
		}
		if (pos == seg_start && end - pos >= DGEN_SEGMENT_BYTES) {
			dst = FUNCNAME_ROWS_ALL(dst, s, step);
			pos += DGEN_SEGMENT_BYTES;
		} else {
			uint32_t to = end - seg_start < DGEN_SEGMENT_BYTES ?
				      end - seg_start : DGEN_SEGMENT_BYTES;

			dst = FUNCNAME_ROWS(dst, s, pos - seg_start, to);
			pos = seg_start + to;
		}
		seg++;
	}
}

ATTRIBUTES void FUNCNAME_BLOCKS(uint8_t *dst, uint64_t root, uint64_t u,
				uint64_t count, uint32_t unit)
{
	const uint64_t segs = count * (unit / DGEN_SEGMENT_BYTES);
	const uint32_t per_block = unit / DGEN_SEGMENT_BYTES;
	VEC step = vset1(DGEN_ROW_STEP);
	const VEC seg_step = vset1(DGEN_LANES * DGEN_LANE_STEP);
	VEC x[VEC_PER_ROW], s[VEC_PER_ROW], next[VEC_PER_ROW], k1;
	struct dgen_block_key key;
	uint64_t t;
	uint32_t j = 0;
	unsigned int i;

	__asm__("" : "+v"(step));	/* see FUNCNAME */

	/*
	 * The segments of all blocks form one sequence; the lane states of
	 * segment t + 1 (and, at a block's end, the next block's key) are
	 * computed before segment t's stores so their latency overlaps them.
	 */
	dgen_block_key_derive(&key, root, u);
	k1 = vset1(key.k1);
	for (i = 0; i < VEC_PER_ROW; i++) {
		x[i] = vadd(vset1(key.k0), vloadu(dgen_lane_offsets + i * VEC_LANES));
		next[i] = vfmix64(vxor(x[i], k1));
	}
	for (t = 0; t < segs; t++) {
		for (i = 0; i < VEC_PER_ROW; i++)
			s[i] = next[i];
		if (++j == per_block) {
			j = 0;
			dgen_block_key_derive(&key, root, ++u);
			k1 = vset1(key.k1);
			for (i = 0; i < VEC_PER_ROW; i++)
				x[i] = vadd(vset1(key.k0),
					    vloadu(dgen_lane_offsets + i * VEC_LANES));
		} else {
			for (i = 0; i < VEC_PER_ROW; i++)
				x[i] = vadd(x[i], seg_step);
		}
		for (i = 0; i < VEC_PER_ROW; i++)
			next[i] = vfmix64(vxor(x[i], k1));
		dst = FUNCNAME_ROWS_ALL(dst, s, step);
	}
}

/*
 * One row of a compressible sector: random bytes [a, b) of the row v[],
 * zeros elsewhere (a < b, and not the whole row).
 */
static ATTRIBUTES inline void FUNCNAME_PARTIAL(uint8_t *d, const VEC v[VEC_PER_ROW],
					       uint32_t a, uint32_t b)
{
#ifdef VROW_MASKED
	vstore_row_masked(d, v, a, b);
#else
	uint8_t buf[DGEN_ROW_BYTES];
	unsigned int i;

	for (i = 0; i < VEC_PER_ROW; i++)
		vstoreu(buf + i * VEC_BYTES, v[i]);
	vzero_short(d, a);
	vcopy_short(d + a, buf + a, b - a);
	if (b < DGEN_ROW_BYTES)
		vzero_short(d + b, DGEN_ROW_BYTES - b);
#endif
}

/* One sector alone (the head or tail of a range, or B = 512). */
static ATTRIBUTES inline void FUNCNAME_SECTOR1(uint8_t *dst,
					       const struct dgen_block_key *k,
					       uint32_t pos, uint32_t r,
					       unsigned int odd)
{
	const VEC zero = vset1(0);
	const VEC k1 = vset1(k->k1);
	uint32_t seg = pos / DGEN_SEGMENT_BYTES;
	uint32_t lo = odd ? DGEN_SECTOR - r : 0, hi = lo + r;
	uint32_t row0 = (pos % DGEN_SEGMENT_BYTES) / DGEN_ROW_BYTES;
	VEC s[VEC_PER_ROW];
	uint32_t q;
	unsigned int i;

	for (i = 0; i < VEC_PER_ROW; i++)
		s[i] = vfmix64(vxor(vadd(vset1(k->k0 + (uint64_t)seg * DGEN_LANES *
					       DGEN_LANE_STEP),
					 vloadu(dgen_lane_offsets + i * VEC_LANES)),
				    k1));
	for (q = 0; q < DGEN_SECTOR; q += DGEN_ROW_BYTES) {
		uint8_t *d = dst + q;
		VEC v[VEC_PER_ROW];

		if (q >= hi || q + DGEN_ROW_BYTES <= lo) {
			for (i = 0; i < VEC_PER_ROW; i++)
				vstoreu(d + i * VEC_BYTES, zero);
			continue;
		}
		for (i = 0; i < VEC_PER_ROW; i++)
			v[i] = vout(vadd(s[i], vset1((uint64_t)(row0 + q / DGEN_ROW_BYTES) *
						     DGEN_ROW_STEP)));
		if (q >= lo && q + DGEN_ROW_BYTES <= hi) {
			for (i = 0; i < VEC_PER_ROW; i++)
				vstoreu(d + i * VEC_BYTES, v[i]);
		} else {
			FUNCNAME_PARTIAL(d, v, lo > q ? lo - q : 0,
					 hi < q + DGEN_ROW_BYTES ? hi - q :
					 DGEN_ROW_BYTES);
		}
	}
}

/*
 * The output vector of lane states @v at byte @at of its segment, ANDed with @mask's
 * bytes there when there is a mask (stream_match.c's narrowing, one period
 * of which is one segment): in registers, so the narrowing costs one load
 * of the mask (in L1) per vector instead of a second pass over the bytes.
 * Callers pass a constant NULL for no mask and the test folds away.
 */
static ATTRIBUTES inline __attribute__((always_inline)) VEC
FUNCNAME_OUTM(VEC v, const uint8_t *mask, uint32_t at)
{
	return mask ? vand(vout(v), vloadu(mask + at)) : vout(v);
}

/*
 * One 1 KiB segment of a compressible block from its lane states v[]:
 * random bytes [0, r0) and [lo1, 1024), zeros between. Each of the sixteen
 * rows is stored once, as random bytes, zeros or (where the random bytes
 * end or begin) both. @mask: NULL, or the 1 KiB the random bytes are
 * ANDed with (zeros stay zeros, so the zero rows need none).
 */
static ATTRIBUTES inline __attribute__((always_inline)) void
FUNCNAME_SEGMENT(uint8_t *dst, VEC v[VEC_PER_ROW], uint32_t r0, uint32_t lo1,
		 VEC step, const uint8_t *mask)
{
	const VEC zero = vset1(0);
	VEC o[VEC_PER_ROW];
	uint32_t b0;
	unsigned int i;

#pragma GCC unroll 16
	for (b0 = 0; b0 < DGEN_SEGMENT_BYTES; b0 += DGEN_ROW_BYTES) {
		uint8_t *d = dst + b0;

		if (b0 + DGEN_ROW_BYTES <= r0 || b0 >= lo1) {
			for (i = 0; i < VEC_PER_ROW; i++)
				vstoreu(d + i * VEC_BYTES,
					FUNCNAME_OUTM(v[i], mask,
						      b0 + i * VEC_BYTES));
		} else if (b0 >= r0 && b0 + DGEN_ROW_BYTES <= lo1) {
			for (i = 0; i < VEC_PER_ROW; i++)
				vstoreu(d + i * VEC_BYTES, zero);
		} else {
			for (i = 0; i < VEC_PER_ROW; i++)
				o[i] = FUNCNAME_OUTM(v[i], mask,
						     b0 + i * VEC_BYTES);
			if (b0 < r0)
				FUNCNAME_PARTIAL(d, o, 0, r0 - b0);
			else
				FUNCNAME_PARTIAL(d, o, lo1 - b0, DGEN_ROW_BYTES);
		}
		for (i = 0; i < VEC_PER_ROW; i++)
			v[i] = vadd(v[i], step);
	}
}

/*
 * Whole sectors of a compressible block (prng.h, dgen_fill_sectors_fn).
 * The main loop takes a 1 KiB segment at a time: its even sector keeps
 * random bytes [0, r0), its odd one [1024 - r1, 1024); the next segment's
 * lane states are computed before this one's stores, so the two
 * multiplies of fmix64 overlap them.
 */
ATTRIBUTES void FUNCNAME_SECTORS(uint8_t *dst, const struct dgen_block_key *k,
				 uint32_t pos, uint32_t count, uint64_t frac,
				 uint64_t rho, unsigned int odd)
{
	const VEC k1 = vset1(k->k1);
	const VEC seg_step = vset1(DGEN_LANES * DGEN_LANE_STEP);
	VEC step = vset1(DGEN_ROW_STEP);
	VEC x[VEC_PER_ROW], next[VEC_PER_ROW];
	unsigned int i;

	__asm__("" : "+v"(step));	/* see FUNCNAME */

	/* A first sector that is not the even one of its segment. */
	if (count && (odd || pos % DGEN_SEGMENT_BYTES)) {
		FUNCNAME_SECTOR1(dst, k, pos, dgen_sector_next(&frac, rho), odd);
		dst += DGEN_SECTOR;
		pos += DGEN_SECTOR;
		odd ^= 1;
		count--;
	}
	if (count >= 2) {
		uint64_t seg = pos / DGEN_SEGMENT_BYTES;

		for (i = 0; i < VEC_PER_ROW; i++) {
			x[i] = vadd(vset1(k->k0 + seg * DGEN_LANES * DGEN_LANE_STEP),
				    vloadu(dgen_lane_offsets + i * VEC_LANES));
			next[i] = vfmix64(vxor(x[i], k1));
		}
	}
	for (; count >= 2; count -= 2, pos += DGEN_SEGMENT_BYTES,
	     dst += DGEN_SEGMENT_BYTES) {
		uint32_t r0 = dgen_sector_next(&frac, rho);
		uint32_t lo1 = DGEN_SEGMENT_BYTES - dgen_sector_next(&frac, rho);
		VEC v[VEC_PER_ROW];

		for (i = 0; i < VEC_PER_ROW; i++) {
			v[i] = next[i];
			x[i] = vadd(x[i], seg_step);
			next[i] = vfmix64(vxor(x[i], k1));
		}
		FUNCNAME_SEGMENT(dst, v, r0, lo1, step, NULL);
	}
	if (count)
		FUNCNAME_SECTOR1(dst, k, pos, dgen_sector_next(&frac, rho), odd);
}

/*
 * Whole compressible blocks carrying distinct blocks @u, @u + 1, ...
 * (prng.h, dgen_fill_sector_blocks_fn): one sequence of segments, as in
 * FUNCNAME_BLOCKS, the next block's key derived before the current block's
 * last segment is stored. @mask as in FUNCNAME_SEGMENT: a block starts a
 * mask period (unit is a multiple of it), so every segment takes all of it.
 */
static ATTRIBUTES inline __attribute__((always_inline)) void
FUNCNAME_SECTOR_BLOCKS_ALL(uint8_t *dst, uint64_t root, uint64_t u,
			   uint64_t count, uint32_t unit, uint64_t frac,
			   uint64_t rho, const uint8_t *mask)
{
	const uint64_t segs = count * (unit / DGEN_SEGMENT_BYTES);
	const uint32_t per_block = unit / DGEN_SEGMENT_BYTES;
	const VEC seg_step = vset1(DGEN_LANES * DGEN_LANE_STEP);
	VEC step = vset1(DGEN_ROW_STEP);
	VEC x[VEC_PER_ROW], v[VEC_PER_ROW], next[VEC_PER_ROW], k1;
	struct dgen_block_key key;
	uint64_t t;
	uint32_t j = 0;
	unsigned int i;

	__asm__("" : "+v"(step));	/* see FUNCNAME */

	dgen_block_key_derive(&key, root, u);
	k1 = vset1(key.k1);
	for (i = 0; i < VEC_PER_ROW; i++) {
		x[i] = vadd(vset1(key.k0), vloadu(dgen_lane_offsets + i * VEC_LANES));
		next[i] = vfmix64(vxor(x[i], k1));
	}
	for (t = 0; t < segs; t++, dst += DGEN_SEGMENT_BYTES) {
		uint32_t r0 = dgen_sector_next(&frac, rho);
		uint32_t lo1 = DGEN_SEGMENT_BYTES - dgen_sector_next(&frac, rho);

		for (i = 0; i < VEC_PER_ROW; i++)
			v[i] = next[i];
		if (++j == per_block) {
			j = 0;
			dgen_block_key_derive(&key, root, ++u);
			k1 = vset1(key.k1);
			for (i = 0; i < VEC_PER_ROW; i++)
				x[i] = vadd(vset1(key.k0),
					    vloadu(dgen_lane_offsets + i * VEC_LANES));
		} else {
			for (i = 0; i < VEC_PER_ROW; i++)
				x[i] = vadd(x[i], seg_step);
		}
		for (i = 0; i < VEC_PER_ROW; i++)
			next[i] = vfmix64(vxor(x[i], k1));
		FUNCNAME_SEGMENT(dst, v, r0, lo1, step, mask);
	}
}

ATTRIBUTES void FUNCNAME_SECTOR_BLOCKS(uint8_t *dst, uint64_t root, uint64_t u,
				       uint64_t count, uint32_t unit,
				       uint64_t frac, uint64_t rho)
{
	FUNCNAME_SECTOR_BLOCKS_ALL(dst, root, u, count, unit, frac, rho, NULL);
}

ATTRIBUTES void FUNCNAME_SECTOR_BLOCKS_MASKED(uint8_t *dst, uint64_t root,
					      uint64_t u, uint64_t count,
					      uint32_t unit, uint64_t frac,
					      uint64_t rho, const uint8_t *mask)
{
	FUNCNAME_SECTOR_BLOCKS_ALL(dst, root, u, count, unit, frac, rho, mask);
}

#undef VEC_PER_ROW
#undef VEC_BYTES
#undef ATTRIBUTES
#undef FUNCNAME
#undef FUNCNAME_ROWS
#undef FUNCNAME_ROWS_ALL
#undef FUNCNAME_PARTIAL
#undef FUNCNAME_SECTOR1
#undef FUNCNAME_SEGMENT
#undef FUNCNAME_SECTOR_BLOCKS
#undef FUNCNAME_SECTOR_BLOCKS_MASKED
#undef FUNCNAME_SECTOR_BLOCKS_ALL
#undef FUNCNAME_OUTM
#undef VROW_MASKED
#undef FUNCNAME_BLOCKS
#undef FUNCNAME_SECTORS
#undef VEC
#undef VEC_LANES
