/* SPDX-License-Identifier: MIT */
/*
 * kernel_template.h - the SIMD generation kernel, one body for every ISA
 *
 * Included by kernel_<isa>.c after it defines ATTRIBUTES, FUNCNAME, VEC,
 * VEC_LANES (64-bit lanes per vector) and these inline helpers, each
 * compiled for its ISA:
 *
 *	vset1(x) vloadu(p) vstoreu(p, v) vadd(a, b) vxor(a, b)
 *	vsrl33(a) vrol(a) (rotate left by DGEN_ROT) vmullo(a, c) (low 64 bits
 *	of each lane times the constant c)
 *
 * It implements prng.h exactly: a row of eight lanes is 64 / (8 *
 * VEC_LANES) vectors; full rows go straight to the destination with
 * unaligned stores, partial rows (the head and tail of an unaligned range)
 * through a 64-byte buffer on the stack.
 */
#define VEC_PER_ROW	(DGEN_LANES / VEC_LANES)
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

ATTRIBUTES void FUNCNAME(uint8_t *dst, const struct dgen_block_key *k,
				uint32_t pos, uint32_t len)
{
	const uint32_t end = pos + len;
	const VEC step = vset1(DGEN_ROW_STEP);
	VEC lane[VEC_PER_ROW], v[VEC_PER_ROW];
	uint32_t row = pos / DGEN_ROW_BYTES;
	uint32_t seg = UINT32_MAX;
	unsigned int i, l;

	for (i = 0; i < VEC_PER_ROW; i++) {
		uint64_t t[VEC_LANES];

		for (l = 0; l < VEC_LANES; l++)
			t[l] = (uint64_t)(i * VEC_LANES + l) * DGEN_LANE_STEP;
		lane[i] = vloadu(t);
		v[i] = vset1(0);	/* set per segment below; quiets -Wmaybe-uninitialized */
	}

	while (pos < end) {
		uint32_t row_start = row * DGEN_ROW_BYTES;
		uint32_t r = row % DGEN_SEGMENT_ROWS;

		if (row / DGEN_SEGMENT_ROWS != seg) {
			/* A new segment: eight fresh lane states (prng.h). */
			uint64_t base;

			seg = row / DGEN_SEGMENT_ROWS;
			base = k->k0 + (uint64_t)seg * DGEN_LANES * DGEN_LANE_STEP;
			for (i = 0; i < VEC_PER_ROW; i++) {
				VEC s = vfmix64(vxor(vadd(vset1(base), lane[i]),
						     vset1(k->k1)));
				v[i] = vadd(s, vset1(r * DGEN_ROW_STEP));
			}
		}

		if (pos == row_start && end - pos >= DGEN_ROW_BYTES) {
			/* Whole rows to the end of the segment or the range. */
			uint32_t n = (end - pos) / DGEN_ROW_BYTES;
			uint32_t j;

			if (n > DGEN_SEGMENT_ROWS - r)
				n = DGEN_SEGMENT_ROWS - r;
			for (j = 0; j < n; j++) {
				for (i = 0; i < VEC_PER_ROW; i++) {
					vstoreu(dst + i * VEC_BYTES, vout(v[i]));
					v[i] = vadd(v[i], step);
				}
				dst += DGEN_ROW_BYTES;
			}
			pos += n * DGEN_ROW_BYTES;
			row += n;
		} else {
			uint8_t buf[DGEN_ROW_BYTES];
			uint32_t from = pos - row_start;
			uint32_t to = end - row_start < DGEN_ROW_BYTES ?
				      end - row_start : DGEN_ROW_BYTES;

			for (i = 0; i < VEC_PER_ROW; i++) {
				vstoreu(buf + i * VEC_BYTES, vout(v[i]));
				v[i] = vadd(v[i], step);
			}
			memcpy(dst, buf + from, to - from);
			dst += to - from;
			pos += to - from;
			row++;
		}
	}
}

#undef VEC_PER_ROW
#undef VEC_BYTES
#undef ATTRIBUTES
#undef FUNCNAME
#undef VEC
#undef VEC_LANES
