// SPDX-License-Identifier: MIT
/*
 * params.c - stream parameter defaults and validation
 *
 * Every refusal names the value and the range it must be in, because the
 * message ends up in front of a user at a shell prompt.
 */
#include <errno.h>
#include <math.h>

#include <dgen/stream.h>

#include "kernel.h"
#include "refuse.h"

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
	uint32_t B = p->dedup_unit, C = p->compress_chunk;
	double d = p->dedup_ratio, c = p->compress_ratio;

	if (p->size == 0)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "stream size is 0: give a size of at least one byte");
	if (!is_pow2(B) || B < DGEN_UNIT_MIN || B > DGEN_UNIT_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
			      "dedup unit %u is not a power of two from %u to %u bytes",
			      B, DGEN_UNIT_MIN, DGEN_UNIT_MAX);
	if (!is_pow2(C) || C < DGEN_UNIT_MIN || C > DGEN_UNIT_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
			      "compress chunk %u is not a power of two from %u to %u bytes",
			      C, DGEN_UNIT_MIN, DGEN_UNIT_MAX);
	if (C > B)
		return dgen_refuse(-EINVAL, msg, msglen,
			      "compress chunk %u is larger than the dedup unit %u: it must be at most the dedup unit",
			      C, B);
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
	if (c > (double)C / DGEN_MIN_RANDOM_BYTES)
		return dgen_refuse(-EINVAL, msg, msglen,
			      "compress ratio %g is too high for %u-byte compress chunks: at most %g (each chunk keeps %u random bytes); use larger chunks for higher ratios",
			      c, C, (double)C / DGEN_MIN_RANDOM_BYTES,
			      DGEN_MIN_RANDOM_BYTES);
	if (!dgen_kernel_find(p->kernel))
		return dgen_refuse(-EINVAL, msg, msglen,
			      "kernel '%s' is unknown or this CPU cannot run it (known here: see dgen_kernel_name)",
			      p->kernel ? p->kernel : "(default)");
	return 0;
}
