// SPDX-License-Identifier: MIT
/*
 * pass.c - the seeds of burn-in passes
 *
 * Each pass must write data no earlier pass wrote, so a block that a lost
 * write left stale is caught: pass p's seed is a strong mix of (seed, p),
 * never seed + p (doc/data-contract.md section 4: seeds s and s + 1 must share nothing,
 * which the stream root's fmix64 chain already gives, but a separate
 * DGEN_TWEAK_PASS keeps pass seeds off the line of plain seeds too).
 */
#include <dgen/stream.h>

#include "prng.h"

uint64_t dgen_pass_seed(uint64_t seed, uint64_t pass)
{
	if (pass <= 1)
		return seed;
	return dgen_fmix64(dgen_fmix64(seed ^ DGEN_TWEAK_PASS) ^
			   dgen_fmix64(pass));
}
