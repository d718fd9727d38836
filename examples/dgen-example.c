// SPDX-License-Identifier: MIT
/*
 * dgen-example.c - the smallest program built against an installed libdgen:
 * make a stream that dedups 2:1 and compresses 2:1, fill a buffer from it,
 * check the buffer against the stream.
 *
 *	cc dgen-example.c $(pkg-config --cflags --libs dgen) -o dgen-example
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/dgen.h>

int main(void)
{
	struct dgen_stream_params p;
	struct dgen_stream_layout l;
	struct dgen_stream *s;
	size_t len = 1 << 20;
	char msg[256];
	int64_t bad;
	void *buf;

	dgen_stream_params_init(&p);
	p.seed = 42;
	p.size = 16 << 20;		/* 16 MiB */
	p.dedup_ratio = 2.0;
	p.compress_ratio = 2.0;
	if (dgen_stream_new(&s, &p, msg, sizeof(msg))) {
		fprintf(stderr, "dgen: %s\n", msg);
		return 1;
	}
	dgen_stream_layout_get(s, &l);
	printf("libdgen %s, kernel %s\n", DGEN_VERSION_STRING, l.kernel);
	printf("%llu blocks of %u bytes, %llu distinct: dedup %.2f, compress %.2f\n",
	       (unsigned long long)l.blocks, p.dedup_unit,
	       (unsigned long long)l.unique_blocks, l.dedup_ratio,
	       l.compress_ratio);

	buf = malloc(len);
	if (!buf || dgen_stream_fill(s, buf, 3 << 20, len))
		return 1;
	bad = dgen_stream_compare(s, buf, 3 << 20, len, NULL, NULL);
	printf("filled 1 MiB at offset 3 MiB, compared: %lld blocks differ\n",
	       (long long)bad);
	free(buf);
	dgen_stream_free(s);
	return bad != 0;
}
