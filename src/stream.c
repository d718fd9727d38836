// SPDX-License-Identifier: MIT
/*
 * stream.c - stream objects and filling any byte range
 *
 * Offset x lies in block i = x / B, which carries distinct block u(i)
 * (layout.c: round robin, u = i mod U, but for a few fresh tail blocks);
 * inside it, chunk m = (x mod B) / C is chunk g = u B/C + m of
 * the schedule, whose first z(g) bytes are zero and the rest the block's
 * random bytes R_u (prng.h). The kernels write R_u at any position, so a
 * fill never copies or patches a base block and allocates nothing.
 */
#include <errno.h>
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
	s->root = dgen_stream_root(p->seed, p->stream_id);
	dgen_layout_compute(s);
	*out = s;
	return 0;
}

void dgen_stream_free(struct dgen_stream *s)
{
	free(s);
}

const struct dgen_stream_params *
dgen_stream_params_get(const struct dgen_stream *s)
{
	return &s->p;
}

/* Fill [pos, pos + len) of one block, zero prefixes included. */
static void fill_chunks(const struct dgen_stream *s, uint8_t *dst,
			const struct dgen_block_key *key,
			struct dgen_zero_iter *it, uint32_t pos, uint32_t len)
{
	const uint32_t C = s->p.compress_chunk, end = pos + len;
	dgen_fill_fn fill = s->kernel->fill;

	while (pos < end) {
		uint32_t chunk = pos & ~(C - 1);
		uint32_t zend = chunk + dgen_zero_iter_next(s, it);
		uint32_t lim = chunk + C < end ? chunk + C : end;

		fill(dst, key, pos, lim - pos, zend);
		dst += lim - pos;
		pos = lim;
	}
}

void dgen_fill_range(const struct dgen_stream *s, uint8_t *dst,
		     uint64_t offset, uint64_t len)
{
	const uint32_t B = s->p.dedup_unit;
	const uint32_t per_block = B >> s->chunk_shift;
	const int fast = !s->zero_bytes && B >= DGEN_SEGMENT_BYTES;
	uint64_t i = offset >> s->unit_shift;
	uint32_t pos = (uint32_t)(offset & (B - 1));
	struct dgen_zero_iter it = { 0 };

	while (len) {
		/* A run of blocks carrying distinct blocks u, u + 1, ... */
		uint64_t u, run = dgen_block_run(s, i, &u);

		if (s->zero_bytes)
			dgen_zero_iter_start(s, &it, u * per_block +
					     (pos >> s->chunk_shift));
		while (len && run) {
			uint32_t n = len < B - pos ? (uint32_t)len : B - pos;
			struct dgen_block_key key;

			if (fast && pos == 0 && len >= B) {
				/* Whole incompressible blocks: one call. */
				uint64_t count = len >> s->unit_shift;

				if (count > run)
					count = run;
				s->kernel->fill_blocks(dst, s->root, u, count, B);
				dst += count << s->unit_shift;
				len -= count << s->unit_shift;
				i += count;
				u += count;
				run -= count;
				continue;
			}
			dgen_block_key_derive(&key, s->root, u);
			if (s->zero_bytes)
				fill_chunks(s, dst, &key, &it, pos, n);
			else
				s->kernel->fill(dst, &key, pos, n, 0);
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
	if (offset > s->p.size || len > s->p.size - offset)
		return -EINVAL;
	dgen_fill_range(s, buf, offset, len);
	return 0;
}
