/* SPDX-License-Identifier: MIT */
/*
 * writer_fault.h - test-only faults in the writer's completions
 *
 * Paths real devices take rarely are taken on purpose when the
 * environment asks, so tests can watch the writer finish a short write
 * and retry an -EAGAIN:
 *
 *   DGEN_FAULT_SHORT_WRITES=1   a unit's full first completion is
 *                               reported half done, as the kernel reports
 *                               a short write
 *   DGEN_FAULT_EAGAIN=1         a unit's first completion is -EAGAIN
 *   DGEN_FAULT_FLUSH_EIO=1      the second flush of each target the engine
 *                               issues (--flush-every) completes -EIO
 *
 * This header is the one switch for them: the variables are read here
 * only, once per writer (dgen_writer_new), into one mask, and the
 * completion path has one hook (writer_fault_res) behind one test of that
 * mask (a flush's: writer_flush.c). Writing the same bytes again changes
 * nothing on the target, so only the retry paths are exercised (and a
 * flush said failed only forgets what it would have made durable); with the variables unset (or "0")
 * the writer behaves as if the hooks were not there.
 */
#ifndef DGEN_WRITER_FAULT_H
#define DGEN_WRITER_FAULT_H

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define WRITER_FAULT_SHORT_WRITES	(1u << 0)
#define WRITER_FAULT_EAGAIN		(1u << 1)
#define WRITER_FAULT_FLUSH_EIO		(1u << 2)

/* writer_faults - the WRITER_FAULT_* the environment turns on. */
static inline unsigned int writer_faults(void)
{
	static const struct {
		const char *env;
		unsigned int fault;
	} vars[] = {
		{ "DGEN_FAULT_SHORT_WRITES", WRITER_FAULT_SHORT_WRITES },
		{ "DGEN_FAULT_EAGAIN", WRITER_FAULT_EAGAIN },
		{ "DGEN_FAULT_FLUSH_EIO", WRITER_FAULT_FLUSH_EIO },
	};
	unsigned int mask = 0;

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		const char *v = getenv(vars[i].env);

		if (v && *v && strcmp(v, "0"))
			mask |= vars[i].fault;
	}
	return mask;
}

/*
 * writer_fault_res - what a completion @res (bytes, or -errno) of a unit
 * is to be taken as under @faults, the unit having had *@tries
 * completions (counted here) and @done bytes written before, with @left
 * bytes asked for: the first completion -EAGAIN, or a full first
 * completion half of it (rounded down to @align, a power of two; as it
 * was if that leaves nothing).
 */
static inline int writer_fault_res(unsigned int faults, uint32_t *tries,
				   uint32_t done, int res, uint32_t left,
				   uint32_t align)
{
	if ((faults & WRITER_FAULT_EAGAIN) && (*tries)++ == 0 && res >= 0)
		return -EAGAIN;
	if ((faults & WRITER_FAULT_SHORT_WRITES) && !done &&
	    res >= 0 && (uint32_t)res == left) {
		uint32_t half = (left / 2) & ~(align - 1);

		if (half)
			return (int)half;
	}
	return res;
}

#endif /* DGEN_WRITER_FAULT_H */
