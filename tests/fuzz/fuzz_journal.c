// SPDX-License-Identifier: MIT
/*
 * fuzz_journal.c - the crash journal reader (dgen_journal_parse): any
 * bytes, as a torn or hostile journal could hold, are read or refused
 * with a sentence, never past their end.
 */
#include <errno.h>
#include <string.h>

#include <dgen/journal.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dgen_journal_view *v = NULL;
	char msg[512];
	int r;

	msg[0] = 0;
	r = dgen_journal_parse(&v, (const char *)data, size, msg, sizeof(msg));
	FUZZ_CHECK(r == 0 || r == -ENOMEM || (r == -EINVAL && msg[0]));
	if (!r) {
		FUZZ_CHECK(v && v->good_bytes <= size);
		dgen_journal_view_free(v);
	}
	return 0;
}
