// SPDX-License-Identifier: MIT
/*
 * compare.c - check a buffer against the stream, block by block, sector by
 * sector
 *
 * Expected bytes are regenerated into a 4 KiB buffer on the stack (in L1)
 * and compared piece by piece; only a piece that differs is looked at
 * sector by sector. Sectors are 512-byte units aligned to stream offsets,
 * the smallest unit a device tears or loses.
 */
#include <errno.h>
#include <string.h>

#include <dgen/stream.h>

#include "stream_impl.h"

#define PIECE		4096u
#define MAP_WORDS	(DGEN_UNIT_MAX / DGEN_SECTOR_SIZE / 64)

static int all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && !memcmp(p, p + 1, n - 1));
}

/* Compare [off, off + n) of one block; fill @m when it differs. */
static int block_differs(const struct dgen_stream *s, const uint8_t *got,
			 uint64_t off, uint32_t n, struct dgen_mismatch *m,
			 uint64_t *map)
{
	_Alignas(64) uint8_t want[PIECE];
	uint64_t sec0 = off / DGEN_SECTOR_SIZE;
	uint64_t x = off, end = off + n;
	int bad = 0;

	while (x < end) {
		/*
		 * Pieces end on PIECE-aligned stream offsets. Measured as a
		 * distance: the boundary itself wraps past 2^64 - PIECE.
		 */
		uint32_t len = PIECE - (uint32_t)(x % PIECE);
		const uint8_t *g = got + (x - off);
		uint64_t y;

		if (len > end - x)
			len = (uint32_t)(end - x);
		dgen_fill_range(s, want, x, len);
		if (!memcmp(g, want, len)) {
			x += len;
			continue;
		}
		if (!bad) {
			memset(map, 0, MAP_WORDS * sizeof(*map));
			m->bad_sectors = 0;
			bad = 1;
		}
		for (y = x; y < x + len;) {
			uint32_t sl = DGEN_SECTOR_SIZE - (uint32_t)(y % DGEN_SECTOR_SIZE);
			uint64_t k = y / DGEN_SECTOR_SIZE - sec0;
			size_t j;

			if (sl > x + len - y)
				sl = (uint32_t)(x + len - y);
			if (memcmp(g + (y - x), want + (y - x), sl)) {
				if (!m->bad_sectors)
					for (j = 0; j < sl; j++)
						if (g[y - x + j] != want[y - x + j]) {
							m->first_bad = y + j;
							break;
						}
				if (!(map[k / 64] & (1ull << (k % 64)))) {
					map[k / 64] |= 1ull << (k % 64);
					m->bad_sectors++;
				}
			}
			y += sl;
		}
		x += len;
	}
	if (bad) {
		m->offset = off;
		m->len = n;
		m->block = off >> s->unit_shift;
		dgen_block_run(s, m->block, &m->unique);
		m->first_sector = sec0;
		m->sector_map = map;
		m->all_zero = all_zero(got, n);
	}
	return bad;
}

int64_t dgen_stream_compare(const struct dgen_stream *s, const void *buf,
			    uint64_t offset, size_t len,
			    dgen_mismatch_fn fn, void *arg)
{
	const uint32_t B = s->p.dedup_unit;
	const uint8_t *got = buf;
	uint64_t map[MAP_WORDS + 1];
	int64_t count = 0;
	const uint64_t size = s->p.size - s->origin;

	if (offset > size || len > size - offset)
		return -EINVAL;
	/* A view compares the whole stream's bytes and reports view offsets
	 * (its origin is block-aligned, so blocks are the whole stream's). */
	offset += s->origin;
	while (len) {
		uint32_t pos = (uint32_t)(offset & (B - 1));
		uint32_t n = len < B - pos ? (uint32_t)len : B - pos;
		struct dgen_mismatch m = { 0 };

		if (block_differs(s, got, offset, n, &m, map)) {
			m.offset -= s->origin;
			m.first_bad -= s->origin;
			m.first_sector -= s->origin / DGEN_SECTOR_SIZE;
			count++;
			if (fn && fn(&m, arg))
				break;
		}
		got += n;
		offset += n;
		len -= n;
	}
	return count;
}
