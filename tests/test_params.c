// SPDX-License-Identifier: MIT
/*
 * test_params.c - parameter validation: every invalid value is refused with
 * -EINVAL and a message naming it, every boundary value is accepted
 *
 * Each refusal is checked twice, through dgen_stream_params_check and
 * through dgen_stream_new (which must leave *out alone), and the message
 * must be non-empty and contain the offending value as the user typed it.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>

#include "testutil.h"

/*
 * One invalid parameter set: the defaults with one field changed. Criterion
 * hands parameters to a freshly started worker, so they hold their strings
 * (pointers into the runner would not survive); kernel "-" stands for NULL.
 */
struct bad_case {
	char what[48];
	uint64_t size;
	uint32_t B, C;
	double d, c;
	char kernel[16];
	char needle[32];	/* must appear in the message */
};

static const char *kernel_arg(const char *k)
{
	return strcmp(k, "-") ? k : NULL;
}

#define DEF_S	(1 * MIB)
#define DEF_B	4096u
#define DEF_C	4096u

static struct bad_case bad_cases[] = {
	/* dedup ratio */
	{ "d below 1", DEF_S, DEF_B, DEF_C, 0.5, 1, "-", "0.5" },
	{ "d just below 1", DEF_S, DEF_B, DEF_C, 0.999, 1, "-", "0.999" },
	{ "d zero", DEF_S, DEF_B, DEF_C, 0.0, 1, "-", "0" },
	{ "d negative", DEF_S, DEF_B, DEF_C, -2.0, 1, "-", "-2" },
	{ "d NaN", DEF_S, DEF_B, DEF_C, NAN, 1, "-", "nan" },
	{ "d +inf", DEF_S, DEF_B, DEF_C, INFINITY, 1, "-", "inf" },
	{ "d -inf", DEF_S, DEF_B, DEF_C, -INFINITY, 1, "-", "-inf" },
	/* compress ratio */
	{ "c below 1", DEF_S, DEF_B, DEF_C, 1, 0.75, "-", "0.75" },
	{ "c zero", DEF_S, DEF_B, DEF_C, 1, 0.0, "-", "0" },
	{ "c negative", DEF_S, DEF_B, DEF_C, 1, -3.0, "-", "-3" },
	{ "c NaN", DEF_S, DEF_B, DEF_C, 1, NAN, "-", "nan" },
	{ "c +inf", DEF_S, DEF_B, DEF_C, 1, INFINITY, "-", "inf" },
	{ "c -inf", DEF_S, DEF_B, DEF_C, 1, -INFINITY, "-", "-inf" },
	{ "c above 20", DEF_S, DEF_B, DEF_C, 1, 20.5, "-", "20.5" },
	{ "c far above 20", DEF_S, DEF_B, 512, 1, 1e6, "-", "1e+06" },
	{ "c above 20 (B 1M)", 4 * MIB, 1u << 20, 1u << 20, 1, 257, "-",
	  "257" },
	/* dedup unit */
	{ "B not a power of two", DEF_S, 3000, 512, 1, 1, "-", "3000" },
	{ "B 4097", DEF_S, 4097, 512, 1, 1, "-", "4097" },
	{ "B below 512", DEF_S, 256, 256, 1, 1, "-", "256" },
	{ "B zero", DEF_S, 0, 512, 1, 1, "-", "0" },
	{ "B above 1 MiB", DEF_S, 2u << 20, 4096, 1, 1, "-", "2097152" },
	{ "B huge", DEF_S, 1u << 31, 4096, 1, 1, "-", "2147483648" },
	/* size */
	{ "size 0", 0, DEF_B, DEF_C, 1, 1, "-", "0" },
	{ "size UINT64_MAX", UINT64_MAX, DEF_B, DEF_C, 1, 1, "-",
	  "18446744073709551615" },
	{ "size UINT64_MAX - 1", UINT64_MAX - 1, DEF_B, DEF_C, 1, 1, "-",
	  "18446744073709551614" },
	{ "size one past the largest (B 4K)", UINT64_MAX - 4096 + 2, DEF_B,
	  DEF_C, 1, 1, "-", "18446744073709547521" },
	{ "size one past the largest (B 1M)", UINT64_MAX - (1u << 20) + 2,
	  1u << 20, 4096, 1, 1, "-", "18446744073708503041" },
	/* kernel */
	{ "unknown kernel", DEF_S, DEF_B, DEF_C, 1, 1, "sse9", "sse9" },
	{ "empty kernel name", DEF_S, DEF_B, DEF_C, 1, 1, "", "''" },
	{ "kernel name case", DEF_S, DEF_B, DEF_C, 1, 1, "GENERIC", "GENERIC" },
	{ "kernel name prefix", DEF_S, DEF_B, DEF_C, 1, 1, "gen", "gen" },
	{ "kernel name suffix", DEF_S, DEF_B, DEF_C, 1, 1, "generic2",
	  "generic2" },
};

ParameterizedTestParameters(params, rejects)
{
	return cr_make_param_array(struct bad_case, bad_cases,
				   sizeof(bad_cases) / sizeof(bad_cases[0]));
}

ParameterizedTest(struct bad_case *bc, params, rejects)
{
	struct dgen_stream_params p = test_params(bc->size, bc->B, bc->C,
						  bc->d, bc->c);
	struct dgen_stream *s = (struct dgen_stream *)&p;	/* sentinel */
	char msg[512], msg2[512];
	int r;

	p.kernel = kernel_arg(bc->kernel);
	memset(msg, 0, sizeof(msg));
	r = dgen_stream_params_check(&p, msg, sizeof(msg));
	cr_log_info("%s: %d \"%s\"", bc->what, r, msg);
	cr_assert(r == -EINVAL, "%s: params_check returned %d, want -EINVAL",
		  bc->what, r);
	cr_assert(msg[0], "%s: empty message", bc->what);
	cr_assert(strstr(msg, bc->needle),
		  "%s: message \"%s\" does not name the value \"%s\"",
		  bc->what, msg, bc->needle);

	/* No message buffer: still refused, no crash. */
	cr_assert(dgen_stream_params_check(&p, NULL, 0) == -EINVAL);
	cr_assert(dgen_stream_params_check(&p, NULL, 100) == -EINVAL);

	memset(msg2, 0, sizeof(msg2));
	r = dgen_stream_new(&s, &p, msg2, sizeof(msg2));
	cr_assert(r == -EINVAL, "%s: dgen_stream_new returned %d", bc->what, r);
	cr_assert(s == (struct dgen_stream *)&p,
		  "%s: dgen_stream_new changed *out on failure", bc->what);
	cr_assert(!strcmp(msg, msg2),
		  "%s: params_check says \"%s\", stream_new \"%s\"",
		  bc->what, msg, msg2);
	cr_assert(dgen_stream_new(&s, &p, NULL, 0) == -EINVAL);
}

/* One valid parameter set on a boundary of the accepted ranges. */
struct good_case {
	char what[48];
	uint64_t size;
	uint32_t B, C;
	double d, c;
	char kernel[16];
};

static struct good_case good_cases[] = {
	{ "defaults", DEF_S, DEF_B, DEF_C, 1, 1, "-" },
	{ "size 1", 1, DEF_B, DEF_C, 1, 1, "-" },
	{ "size 1 with d and c", 1, DEF_B, DEF_C, 5, 20, "-" },
	{ "B = C = 512", DEF_S, 512, 512, 1, 1, "-" },
	{ "B = C = 1 MiB", 3 * MIB, 1u << 20, 1u << 20, 1, 1, "-" },
	{ "B 1 MiB, C 512", 3 * MIB, 1u << 20, 512, 1, 1, "-" },
	{ "c = 20 (B 512)", DEF_S, 512, 512, 1, 20, "-" },
	{ "c = 20 (B 4K)", DEF_S, 4096, 4096, 1, 20, "-" },
	{ "c = 20 (B 1M)", 4 * MIB, 1u << 20, 1u << 20, 1, 20, "-" },
	{ "C is ignored (not a power of two)", DEF_S, DEF_B, 1000, 1, 1, "-" },
	{ "C is ignored (above B)", DEF_S, 4096, 8192, 2, 3, "-" },
	{ "c just above 1", DEF_S, DEF_B, DEF_C, 1, 1.0000001, "-" },
	{ "d just above 1", DEF_S, DEF_B, DEF_C, 1.0000001, 1, "-" },
	{ "d above the block count", DEF_S, DEF_B, DEF_C, 1e6, 1, "-" },
	{ "d huge", DEF_S, DEF_B, DEF_C, 1e300, 1, "-" },
	{ "largest size (B 4K)", UINT64_MAX - 4096 + 1, DEF_B, DEF_C, 1, 1,
	  "-" },
	{ "largest size (B 512)", UINT64_MAX - 512 + 1, 512, 512, 3, 2, "-" },
	{ "largest size (B 1M)", UINT64_MAX - (1u << 20) + 1, 1u << 20, 4096,
	  7.3, 4, "-" },
	{ "kernel generic", DEF_S, DEF_B, DEF_C, 2, 2, "generic" },
};

ParameterizedTestParameters(params, accepts)
{
	return cr_make_param_array(struct good_case, good_cases,
				   sizeof(good_cases) / sizeof(good_cases[0]));
}

ParameterizedTest(struct good_case *gc, params, accepts)
{
	struct dgen_stream_params p = test_params(gc->size, gc->B, gc->C,
						  gc->d, gc->c);
	struct dgen_stream_layout l;
	struct dgen_stream *s;
	char msg[256] = "";
	uint8_t buf[600];
	uint64_t n;
	int r;

	p.kernel = kernel_arg(gc->kernel);
	cr_log_info("%s", gc->what);
	r = dgen_stream_params_check(&p, msg, sizeof(msg));
	cr_assert(r == 0, "%s: refused (%d): %s", gc->what, r, msg);
	s = stream_make(&p);
	l = stream_layout(s);
	cr_assert(l.unique_blocks >= 1 && l.unique_blocks <= l.blocks,
		  "%s: U = %" PRIu64 ", N = %" PRIu64, gc->what,
		  l.unique_blocks, l.blocks);
	/* The first and the last bytes can be generated, in any split. */
	n = gc->size < sizeof(buf) / 2 ? gc->size : sizeof(buf) / 2;
	stream_fill(s, buf, 0, (size_t)n);
	stream_fill(s, buf, gc->size - n, (size_t)n);
	stream_fill(s, buf + n, gc->size - n, (size_t)n / 3);
	stream_fill(s, buf + n + n / 3, gc->size - n + n / 3,
		    (size_t)(n - n / 3));
	cr_assert(!memcmp(buf, buf + n, (size_t)n),
		  "%s: the last %" PRIu64 " bytes differ when split", gc->what,
		  n);
	dgen_stream_free(s);
}

Test(params, defaults)
{
	struct dgen_stream_params p;

	memset(&p, 0xa5, sizeof(p));
	dgen_stream_params_init(&p);
	cr_assert(p.seed == 0 && p.stream_id == 0 && p.size == 0);
	cr_assert(p.dedup_unit == DGEN_DEDUP_UNIT_DEFAULT &&
		  p.dedup_unit == 4096);
	cr_assert(p.compress_chunk == DGEN_COMPRESS_CHUNK_DEFAULT &&
		  p.compress_chunk == 4096);
	cr_assert(p.dedup_ratio == 1.0 && p.compress_ratio == 1.0);
	cr_assert(p.kernel == NULL);
	/* The defaults are refused only for their size. */
	cr_assert(dgen_stream_params_check(&p, NULL, 0) == -EINVAL);
	p.size = 1;
	cr_assert(dgen_stream_params_check(&p, NULL, 0) == 0);
}

/* c just above 20 (the next double) is refused, 20 itself accepted. */
Test(params, compress_ratio_limit_is_exact)
{
	uint32_t B;

	for (B = 512; B <= (1u << 20); B *= 2) {
		struct dgen_stream_params p = test_params(4 * MIB, B, 4096, 1,
							  DGEN_COMPRESS_RATIO_MAX);
		char msg[256] = "";

		cr_assert(dgen_stream_params_check(&p, msg, sizeof(msg)) == 0,
			  "B %u: c = 20 refused: %s", B, msg);
		p.compress_ratio = nextafter(DGEN_COMPRESS_RATIO_MAX, INFINITY);
		cr_assert(dgen_stream_params_check(&p, msg, sizeof(msg)) ==
			  -EINVAL, "B %u: c = 20 + 1 ulp accepted", B);
		cr_assert(msg[0]);
	}
}

/*
 * A dedup window must hold 50 d blocks; the layout rounds it down to
 * whole pieces and reports it.
 */
Test(params, dedup_window)
{
	struct dgen_stream_params p = test_params(64 * MIB, 4096, 4096, 2, 1);
	struct dgen_stream_layout l;
	struct dgen_stream *s;
	char msg[256] = "";

	p.dedup_window = 100 * 4096 - 1;
	cr_assert(dgen_stream_params_check(&p, msg, sizeof(msg)) == -EINVAL);
	cr_assert(strstr(msg, "dedup window") && strstr(msg, "409600"), "%s",
		  msg);
	p.dedup_window = 100 * 4096;
	cr_assert(dgen_stream_params_check(&p, msg, sizeof(msg)) == 0, "%s",
		  msg);
	p.dedup_window = 3 * MIB + 5;
	s = stream_make(&p);
	l = stream_layout(s);
	cr_assert(l.dedup_window <= p.dedup_window &&
		  l.dedup_window % l.dedup_exact_unit == 0 &&
		  (double)l.window_pieces >= 100.0, "W %" PRIu64 " G %u",
		  l.dedup_window, l.dedup_exact_unit);
	dgen_stream_free(s);
	p.dedup_window = 0;	/* the default: 64 d MiB */
	s = stream_make(&p);
	cr_assert(stream_layout(s).dedup_window == 128 * MIB);
	dgen_stream_free(s);
}

/* The message is truncated to msglen and always NUL-terminated. */
Test(params, message_truncated)
{
	struct dgen_stream_params p = test_params(0, 4096, 4096, 1, 1);
	char msg[64];
	size_t len;

	for (len = 1; len < 40; len++) {
		memset(msg, 'x', sizeof(msg));
		cr_assert(dgen_stream_params_check(&p, msg, len) == -EINVAL);
		cr_assert(strlen(msg) == len - 1,
			  "msglen %zu: message of %zu bytes", len, strlen(msg));
		cr_assert(msg[len] == 'x', "msglen %zu: wrote past the end",
			  len);
	}
	/* msglen 0: nothing written. */
	memset(msg, 'x', sizeof(msg));
	cr_assert(dgen_stream_params_check(&p, msg, 0) == -EINVAL);
	cr_assert(msg[0] == 'x');
}

/* The stream keeps its own copy of the parameters. */
Test(params, copied_into_stream)
{
	struct dgen_stream_params p = test_params(3 * MIB + 5, 8192, 1024, 2.5,
						  3.5);
	const struct dgen_stream_params *q;
	struct dgen_stream *s;
	char name[16] = "generic";

	p.seed = 0x1234;
	p.stream_id = 77;
	p.kernel = name;
	s = stream_make(&p);
	memset(&p, 0, sizeof(p));
	memset(name, 0, sizeof(name));
	q = dgen_stream_params_get(s);
	cr_assert(q->seed == 0x1234 && q->stream_id == 77);
	cr_assert(q->size == 3 * MIB + 5);
	cr_assert(q->dedup_unit == 8192 && q->compress_chunk == 1024);
	cr_assert(q->dedup_ratio == 2.5 && q->compress_ratio == 3.5);
	cr_assert(q->kernel && !strcmp(q->kernel, "generic"),
		  "kernel name not kept: %s", q->kernel ? q->kernel : "NULL");
	cr_assert(!strcmp(stream_layout(s).kernel, "generic"));
	dgen_stream_free(s);
	dgen_stream_free(NULL);
}
