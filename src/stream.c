// SPDX-License-Identifier: MIT
/*
 * stream.c - stream objects and filling any byte range
 *
 * Offset x lies in block i = x / B, which carries distinct block u(i)
 * (layout.c: whole pieces of G bytes repeat within their window); inside
 * it, sector m = (x mod B) / 512 is distinct sector q = u B / 512 + m,
 * which keeps r(q) random bytes of the block's R_u (prng.h) at its head or
 * tail and zeros elsewhere (doc/data-contract.md section 3). The kernels
 * write R_u at any position, so a fill never copies or patches a base
 * block and allocates nothing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/stream.h>

#include "stream_impl.h"

int dgen_stream_new(struct dgen_stream **out,
		    const struct dgen_stream_params *p,
		    char *msg, size_t msglen)
{
	struct dgen_stream *s;
	int r;

	r = dgen_stream_params_check(p, msg, msglen);
	if (r)
		return r;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->p = *p;
	s->kernel = dgen_kernel_find(p->kernel);
	s->p.kernel = s->kernel->name;
	/* A dedup domain's targets share one key chain (layout.c). */
	s->root = dgen_stream_root(p->seed, p->scope_targets > 1 ?
				   p->stream_id - p->scope_index : p->stream_id);
	dgen_layout_compute(s);
	r = dgen_layout_v3(s);
	if (!r)
		dgen_entropy_setup(s);
	if (r) {
		dgen_stream_free(s);
		return r;
	}
	*out = s;
	return 0;
}

int dgen_stream_view_new(struct dgen_stream **out,
			 const struct dgen_stream_params *p, uint64_t origin,
			 char *msg, size_t msglen)
{
	int r;

	if (origin >= p->size || (p->dedup_unit && origin % p->dedup_unit)) {
		if (msg)
			snprintf(msg, msglen, "stream view origin %llu is past the stream's %llu bytes or not a multiple of the dedup unit %u",
				 (unsigned long long)origin,
				 (unsigned long long)p->size, p->dedup_unit);
		return -EINVAL;
	}
	r = dgen_stream_new(out, p, msg, msglen);
	if (!r)
		(*out)->origin = origin;
	return r;
}

void dgen_stream_free(struct dgen_stream *s)
{
	if (s)
		dgen_layout_v3_free(s);
	free(s);
}

const struct dgen_stream_params *
dgen_stream_params_get(const struct dgen_stream *s)
{
	return &s->p;
}

/* The fraction q rho mod 2^32 at the start of distinct sector @q. */
static uint64_t sector_frac(uint64_t rho, uint64_t q)
{
	return (uint64_t)((unsigned __int128)q * rho) & 0xffffffffu;
}

/*
 * Fill [pos, pos + len) of distinct block @u, compressible: whole sectors
 * through the kernel, a partial first or last sector through a buffer.
 */
static void fill_sectors(const struct dgen_stream *s, uint8_t *dst,
			 const struct dgen_block_key *key, uint64_t u,
			 uint64_t rho, uint32_t pos, uint32_t len)
{
	const uint32_t end = pos + len;
	uint64_t q0 = (u << s->unit_shift) / DGEN_SECTOR_SIZE;

	while (pos < end) {
		uint32_t sec = pos & ~(DGEN_SECTOR_SIZE - 1);
		uint64_t q = q0 + sec / DGEN_SECTOR_SIZE;
		uint64_t frac = sector_frac(rho, q);

		if (sec == pos && end - pos >= DGEN_SECTOR_SIZE) {
			uint32_t count = (end - pos) / DGEN_SECTOR_SIZE;

			s->kernel->fill_sectors(dst, key, pos, count, frac,
						rho, (unsigned int)(q & 1));
			dst += count * DGEN_SECTOR_SIZE;
			pos += count * DGEN_SECTOR_SIZE;
		} else {
			_Alignas(64) uint8_t buf[DGEN_SECTOR_SIZE];
			uint32_t to = end - sec < DGEN_SECTOR_SIZE ?
				      end - sec : DGEN_SECTOR_SIZE;

			s->kernel->fill_sectors(buf, key, sec, 1, frac, rho,
						(unsigned int)(q & 1));
			memcpy(dst, buf + (pos - sec), to - (pos - sec));
			dst += to - (pos - sec);
			pos = sec + to;
		}
	}
}

/*
 * How many of the @run blocks from distinct block @u on are laid alike:
 * all of them in a one-ratio stream; in a mix, those of its class @c (one
 * rho and one narrowing mask).
 */
static uint64_t same_class(const struct dgen_stream *s, uint64_t u,
			   uint64_t run, unsigned int c)
{
	uint64_t n = 1;

	if (!s->mix_count)
		return run;
	while (n < run && dgen_block_class(s, u + n) == c)
		n++;
	return n;
}

void dgen_fill_distinct(const struct dgen_stream *s, uint8_t *dst,
			uint64_t a, uint32_t len)
{
	const uint32_t B = s->p.dedup_unit;
	uint32_t done = 0;

	while (done < len) {
		uint64_t u = (a + done) >> s->unit_shift;
		uint32_t pos = (uint32_t)((a + done) & (B - 1));
		uint32_t n = len - done < B - pos ? len - done : B - pos;
		struct dgen_block_key key;
		uint64_t rho = dgen_block_rho(s, u);

		dgen_block_key_derive(&key, s->root, u);
		if (rho == (uint64_t)DGEN_SECTOR_SIZE << 32)
			s->kernel->fill(dst + done, &key, pos, n, 0);
		else
			fill_sectors(s, dst + done, &key, u, rho, pos, n);
		done += n;
	}
}

void dgen_fill_range(const struct dgen_stream *s, uint8_t *dst,
		     uint64_t offset, uint64_t len)
{
	/* Matches lay the base bytes piece by piece, then copy into each
	   block while it is still in cache. */
	if (s->p.match_share > 0.0) {
		dgen_match_apply(s, dst, offset, len);
		return;
	}
	dgen_fill_base(s, dst, offset, len, NULL);
}

/* Record blocks @i .. @i + @n - 1, carrying @u on, of class @c in @laid. */
static void laid_note(struct dgen_laid *laid, uint64_t i, uint64_t u,
		      uint64_t n, unsigned int c)
{
	if (!laid)
		return;
	if (n > DGEN_LAID_BLOCKS) {
		i += n - DGEN_LAID_BLOCKS;
		u += n - DGEN_LAID_BLOCKS;
		n = DGEN_LAID_BLOCKS;
	}
	for (; n; n--, i++, u++) {
		laid->u[i % DGEN_LAID_BLOCKS] = u;
		laid->cls[i % DGEN_LAID_BLOCKS] = (uint8_t)c;
	}
}

/*
 * The bytes before the matches of contract 7.4 are laid over them, narrowed
 * where the block's class has bits. Whole compressible blocks take the
 * narrowing in the kernel's stores; the rest (partial blocks, blocks under
 * 1 KiB, incompressible classes with bits) in a pass behind the fill.
 */
void dgen_fill_base(const struct dgen_stream *s, uint8_t *dst,
		    uint64_t offset, uint64_t len, struct dgen_laid *laid)
{
	const uint32_t B = s->p.dedup_unit;
	const uint64_t plain_rho = (uint64_t)DGEN_SECTOR_SIZE << 32;
	const int fast = B >= DGEN_SEGMENT_BYTES;
	uint64_t i = offset >> s->unit_shift;
	uint32_t pos = (uint32_t)(offset & (B - 1));

	while (len) {
		/* A run of blocks carrying distinct blocks u, u + 1, ... */
		uint64_t u, run = dgen_block_run(s, i, &u);

		while (len && run) {
			uint32_t n = len < B - pos ? (uint32_t)len : B - pos;
			struct dgen_block_key key;
			unsigned int c = s->mix_count ? dgen_block_class(s, u) : 0;
			uint64_t rho = s->mix_count ? s->mix_rho[c] : s->rho;
			const uint8_t *mask = s->mix_k[c] ?
				(const uint8_t *)s->mix_mask[c] : NULL;

			if (fast && pos == 0 && len >= B) {
				/* Whole blocks of one class: one call. */
				uint64_t count = same_class(s, u,
					run < len >> s->unit_shift ? run :
					len >> s->unit_shift, c);
				uint64_t frac = sector_frac(rho,
					(u << s->unit_shift) / DGEN_SECTOR_SIZE);

				if (rho == plain_rho) {
					s->kernel->fill_blocks(dst, s->root, u,
							       count, B);
					if (mask)
						dgen_entropy_mask(s, c,
							u << s->unit_shift, dst,
							count << s->unit_shift);
				} else if (mask) {
					s->kernel->fill_sector_blocks_masked(dst,
						s->root, u, count, B, frac, rho,
						mask);
				} else {
					s->kernel->fill_sector_blocks(dst, s->root,
						u, count, B, frac, rho);
				}
				laid_note(laid, i, u, count, c);
				dst += count << s->unit_shift;
				len -= count << s->unit_shift;
				i += count;
				u += count;
				run -= count;
				continue;
			}
			dgen_block_key_derive(&key, s->root, u);
			if (rho == plain_rho)
				s->kernel->fill(dst, &key, pos, n, 0);
			else
				fill_sectors(s, dst, &key, u, rho, pos, n);
			if (mask)
				dgen_entropy_mask(s, c, (u << s->unit_shift) + pos,
						  dst, n);
			laid_note(laid, i, u, 1, c);
			dst += n;
			len -= n;
			pos = 0;
			i++;
			u++;
			run--;
		}
	}
}

int dgen_stream_fill(const struct dgen_stream *s, void *buf,
		     uint64_t offset, size_t len)
{
	const uint64_t size = s->p.size - s->origin;

	if (offset > size || len > size - offset)
		return -EINVAL;
	dgen_fill_range(s, buf, s->origin + offset, len);
	return 0;
}
