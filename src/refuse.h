/* SPDX-License-Identifier: MIT */
/*
 * refuse.h - return an error with a sentence for the user
 */
#ifndef DGEN_REFUSE_H
#define DGEN_REFUSE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/*
 * dgen_refuse - write the message to @msg (when not NULL, at most @msglen
 * bytes) and return @err, so a check reads "return dgen_refuse(...)".
 */
__attribute__((format(printf, 4, 5)))
static inline int dgen_refuse(int err, char *msg, size_t msglen,
			      const char *fmt, ...)
{
	va_list ap;

	if (msg && msglen) {
		va_start(ap, fmt);
		vsnprintf(msg, msglen, fmt, ap);
		va_end(ap);
	}
	return err;
}

#endif /* DGEN_REFUSE_H */
