/* SPDX-License-Identifier: MIT */
/*
 * msg.h - the one way library calls hand a refusal back in words
 *
 * The library never prints; a call that refuses writes one sentence a user
 * can act on into the caller's buffer and returns the error.
 */
#ifndef DGEN_SRC_MSG_H
#define DGEN_SRC_MSG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Write the sentence to @msg (when not NULL, at most @msglen bytes); return @r. */
__attribute__((format(printf, 4, 5)))
static inline int dgen_msg_fail(int r, char *msg, size_t msglen,
				const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return r;
}

#endif /* DGEN_SRC_MSG_H */
