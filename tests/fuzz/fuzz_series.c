// SPDX-License-Identifier: MIT
/*
 * fuzz_series.c - the --plot-from log reader (dgen_series_read): any bytes
 * are read or refused with a sentence, never past their end; what it took
 * is drawn as dgen-uring --plot-from draws it.
 */
#include <errno.h>
#include <string.h>

#include <dgen/plot.h>
#include <dgen/series.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dgen_series *s = NULL;
	char msg[512];
	FILE *f, *out;
	int r;

	if (!size)
		return 0;
	f = fmemopen((void *)data, size, "r");
	if (!f)
		return 0;
	msg[0] = 0;
	r = dgen_series_read(&s, f, msg, sizeof(msg));
	fclose(f);
	FUZZ_CHECK(r == 0 || r == -ENOMEM || r == -EIO ||
		   (r == -EINVAL && msg[0]));
	if (r)
		return 0;
	out = fopen("/dev/null", "w");
	if (out) {
		dgen_plot_svg(out, s, NULL, "fuzz");
		fclose(out);
	}
	dgen_series_free(s);
	return 0;
}
