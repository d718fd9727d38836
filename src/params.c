// SPDX-License-Identifier: MIT
/*
 * params.c - stream parameter defaults and validation
 *
 * Every refusal names the value and the range it must be in, because the
 * message ends up in front of a user at a shell prompt. Since stream format
 * 2 the compress chunk no longer shapes the bytes (the layout is per
 * 512-byte sector, doc/data-contract.md section 3), so it is not checked.
 */
#include <errno.h>
#include <math.h>

#include <dgen/stream.h>

#include "kernel.h"
#include "refuse.h"
#include "stream_impl.h"

void dgen_stream_params_init(struct dgen_stream_params *p)
{
	*p = (struct dgen_stream_params) {
		.dedup_unit = DGEN_DEDUP_UNIT_DEFAULT,
		.compress_chunk = DGEN_COMPRESS_CHUNK_DEFAULT,
		.dedup_ratio = 1.0,
		.compress_ratio = 1.0,
	};
}

static int is_pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

int dgen_stream_params_check(const struct dgen_stream_params *p,
			     char *msg, size_t msglen)
{
	uint32_t B = p->dedup_unit;
	double d = p->dedup_ratio, c = p->compress_ratio;
	int r;

	if (p->size == 0)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "stream size is 0: give a size of at least one byte");
	if (!is_pow2(B) || B < DGEN_UNIT_MIN || B > DGEN_UNIT_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
			      "dedup unit %u is not a power of two from %u to %u bytes",
			      B, DGEN_UNIT_MIN, DGEN_UNIT_MAX);
	/* N * B must not wrap: the last block is padded up to B internally. */
	if (p->size > UINT64_MAX - B + 1)
		return dgen_refuse(-EINVAL, msg, msglen,
			      "stream size %llu bytes is too large (at most %llu)",
			      (unsigned long long)p->size,
			      (unsigned long long)(UINT64_MAX - B + 1));
	if (!isfinite(d) || d < 1.0)
		return dgen_refuse(-EINVAL, msg, msglen,
			      "dedup ratio %g is invalid: it must be a finite number of at least 1 (1 = every block distinct)",
			      d);
	if (!isfinite(c) || c < 1.0)
		return dgen_refuse(-EINVAL, msg, msglen,
			      "compress ratio %g is invalid: it must be a finite number of at least 1 (1 = incompressible)",
			      c);
	if (c > DGEN_COMPRESS_RATIO_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
			      "compress ratio %g is too high: at most %g, so that every 512-byte sector keeps at least %u random bytes and lz4 and zstd still measure the ratio asked for",
			      c, DGEN_COMPRESS_RATIO_MAX, DGEN_MIN_RANDOM_BYTES);
	/* The window must hold 50 d blocks for its ratio to be within 1%. */
	if (p->dedup_window &&
	    (double)(p->dedup_window / B) < 50.0 * d)
		return dgen_refuse(-EINVAL, msg, msglen,
			      "dedup window %llu bytes is too small for dedup ratio %g with %u-byte blocks: it must hold at least 50 d blocks (%llu bytes)",
			      (unsigned long long)p->dedup_window, d, B,
			      (unsigned long long)ceil(50.0 * d) * B);
	r = dgen_params_v3_check(p, msg, msglen);
	if (r)
		return r;
	if (!dgen_kernel_find(p->kernel))
		return dgen_refuse(-EINVAL, msg, msglen,
			      "kernel '%s' is unknown or this CPU cannot run it (known here: see dgen_kernel_name)",
			      p->kernel ? p->kernel : "(default)");
	return 0;
}
