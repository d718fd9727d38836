// SPDX-License-Identifier: MIT
/*
 * test_kernel.c - every generation kernel produces the bytes of the
 * portable "generic" kernel, and DGEN_DISABLE_CPU_FEATURES hides kernels
 *
 * Kernels are forced through dgen_stream_params.kernel. Criterion runs each
 * test in its own process, so setenv() in one test leaves the others alone;
 * the library reads the mask once per process, so a test sets it before
 * its first stream.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <errno.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define MAX_KERNELS	8
#define ITERATIONS	1500
#define MAX_FILL	(3 * MIB)

static int kernel_listed(const char *name)
{
	unsigned int i;
	const char *k;

	for (i = 0; (k = dgen_kernel_name(i)); i++)
		if (!strcmp(k, name))
			return 1;
	return 0;
}

/* Random but valid parameters, reaching every B and the c limit. */
static struct dgen_stream_params random_params(struct test_rng *r)
{
	unsigned int lb = (unsigned int)test_rng_range(r, 9, 20);
	unsigned int lc = (unsigned int)test_rng_range(r, 9, lb);
	uint32_t B = 1u << lb, C = 1u << lc;
	double cmax = DGEN_COMPRESS_RATIO_MAX, d, c;
	uint64_t size;

	switch (test_rng_below(r, 4)) {
	case 0:
		d = 1.0;
		break;
	case 1:
		d = 1.0 + test_rng_unit(r);
		break;
	default:
		d = 1.0 + 15.0 * test_rng_unit(r);
	}
	switch (test_rng_below(r, 5)) {
	case 0:
		c = 1.0;
		break;
	case 1:
		c = cmax;
		break;
	case 2:
		c = 1.0 + (cmax - 1.0) * test_rng_unit(r);
		break;
	default:
		c = 1.0 + ((cmax < 20 ? cmax : 20) - 1.0) * test_rng_unit(r);
	}
	switch (test_rng_below(r, 4)) {
	case 0:		/* small: a few blocks */
		size = test_rng_range(r, 1, 8 * (uint64_t)B);
		break;
	case 1:		/* medium */
		size = test_rng_range(r, 1, 256 * MIB);
		break;
	case 2:		/* huge: block and unique indices far beyond 32 bits */
		size = test_rng_range(r, 1, UINT64_MAX >> 12);
		break;
	default:	/* up to the largest stream */
		size = test_rng_range(r, UINT64_MAX >> 1, UINT64_MAX - B + 1);
	}
	{
		struct dgen_stream_params p = test_params(size, B, C, d, c);

		p.seed = test_rng_next(r);
		p.stream_id = test_rng_below(r, 4) ? test_rng_below(r, 16) :
			      test_rng_next(r);
		return p;
	}
}

/* A random range inside a stream of @size bytes, at most MAX_FILL long. */
static void random_range(struct test_rng *r, uint64_t size, uint32_t B,
			 uint64_t *off, size_t *len)
{
	uint64_t o, n, room;

	o = test_rng_below(r, size);
	if (test_rng_below(r, 3) == 0)	/* on a block edge */
		o -= o % B;
	room = size - o;
	switch (test_rng_below(r, 4)) {
	case 0:
		n = test_rng_range(r, 1, 130);
		break;
	case 1:
		n = test_rng_range(r, 1, 3 * (uint64_t)B);
		break;
	default:
		n = test_rng_range(r, 1, MAX_FILL);
	}
	*off = o;
	*len = (size_t)(n < room ? n : room);
}

static unsigned int kernel_index[MAX_KERNELS] = { 0, 1, 2, 3, 4, 5, 6, 7 };

ParameterizedTestParameters(kernel, matches_generic)
{
	return cr_make_param_array(unsigned int, kernel_index, MAX_KERNELS);
}

/*
 * Kernel number @idx of dgen_kernel_name (skipped past the last) against
 * "generic" on random parameters, ranges and destination alignments.
 */
ParameterizedTest(unsigned int *idx, kernel, matches_generic)
{
	const char *name = dgen_kernel_name(*idx);
	uint8_t *want = xmalloc(MAX_FILL + 64), *got = xmalloc(MAX_FILL + 64);
	struct test_rng r;
	uint64_t bytes = 0;
	int it;

	if (!name)
		cr_skip_test("this CPU has no kernel number %u", *idx);
	cr_log_info("kernel %u: %s", *idx, name);
	test_rng_init(&r, 0x6b65726e656cull + *idx);
	for (it = 0; it < ITERATIONS; it++) {
		struct dgen_stream_params p = random_params(&r);
		struct dgen_stream *ref, *k;
		unsigned int shift = (unsigned int)test_rng_below(&r, 64);
		uint64_t off;
		size_t len, at;
		int rounds;

		p.kernel = "generic";
		ref = stream_make(&p);
		p.kernel = name;
		k = stream_make(&p);
		cr_assert(!strcmp(stream_layout(k).kernel, name),
			  "asked for kernel %s, got %s", name,
			  stream_layout(k).kernel);
		for (rounds = 0; rounds < 3; rounds++) {
			random_range(&r, p.size, p.dedup_unit, &off, &len);
			stream_fill(ref, want, off, len);
			memset(got, 0xcc, len + 64);
			stream_fill(k, got + shift, off, len);
			at = first_diff(want, got + shift, len);
			cr_assert(at == len,
				  "kernel %s differs from generic at stream "
				  "offset %" PRIu64 " (%02x, want %02x): seed "
				  "%#" PRIx64 " stream %#" PRIx64 " S %" PRIu64
				  " B %u C %u d %.17g c %.17g, fill [%" PRIu64
				  ", +%zu) at dst + %u", name, off + at,
				  got[shift + at], want[at], p.seed,
				  p.stream_id, p.size, p.dedup_unit,
				  p.compress_chunk, p.dedup_ratio,
				  p.compress_ratio, off, len, shift);
			cr_assert(got[shift + len] == 0xcc &&
				  (shift == 0 || got[shift - 1] == 0xcc),
				  "kernel %s wrote outside [dst, dst + %zu)",
				  name, len);
			bytes += len;
		}
		dgen_stream_free(ref);
		dgen_stream_free(k);
	}
	cr_log_info("kernel %s: %d parameter sets, %" PRIu64 " bytes equal "
		    "to generic", name, ITERATIONS, bytes);
	free(want);
	free(got);
}

/* Every kernel on every alignment of start and length within 2 rows. */
Test(kernel, all_short_ranges)
{
	struct dgen_stream_params p = test_params(64 * KIB, 4096, 512, 1, 1);
	struct dgen_stream *ref, *k;
	uint8_t want[1300], got[1300];
	unsigned int i;
	const char *name;

	p.seed = 42;
	p.kernel = "generic";
	ref = stream_make(&p);
	for (i = 0; (name = dgen_kernel_name(i)); i++) {
		uint64_t off;
		size_t len;

		p.kernel = name;
		k = stream_make(&p);
		/* Starts around the 1 KiB segment edge at 1024 + 4096. */
		for (off = 5120 - 130; off < 5120 + 70; off++)
			for (len = 1; len <= 1300; len += (len < 140 ? 1 : 61)) {
				stream_fill(ref, want, off, len);
				stream_fill(k, got, off, len);
				cr_assert(!memcmp(want, got, len),
					  "kernel %s: [%" PRIu64 ", +%zu) "
					  "differs from generic", name, off,
					  len);
			}
		dgen_stream_free(k);
	}
	dgen_stream_free(ref);
}

Test(kernel, generic_always_listed)
{
	unsigned int i, n = 0;
	const char *name;

	for (i = 0; (name = dgen_kernel_name(i)); i++) {
		unsigned int j;

		n++;
		cr_assert(name[0], "kernel %u has an empty name", i);
		for (j = 0; j < i; j++)
			cr_assert(strcmp(name, dgen_kernel_name(j)),
				  "kernel %s listed twice", name);
		cr_log_info("kernel %u: %s", i, name);
	}
	cr_assert(n >= 1 && n <= MAX_KERNELS, "%u kernels", n);
	cr_assert(!strcmp(dgen_kernel_name(n - 1), "generic"),
		  "the last kernel is %s, not generic", dgen_kernel_name(n - 1));
	cr_assert(dgen_kernel_name(n) == NULL && dgen_kernel_name(n + 5) == NULL);
	/* The default kernel is the best, index 0. */
	{
		struct dgen_stream_params p = test_params(4096, 4096, 4096, 1, 1);
		struct dgen_stream *s = stream_make(&p);

		cr_assert(!strcmp(stream_layout(s).kernel, dgen_kernel_name(0)),
			  "default kernel %s, best listed %s",
			  stream_layout(s).kernel, dgen_kernel_name(0));
		dgen_stream_free(s);
	}
}

/*
 * The kernels listed with DGEN_DISABLE_CPU_FEATURES unset, best first, as a
 * fresh process sees them: the mask is read once per process, so the list
 * comes from a child. Returns how many were put in @names (static strings
 * in @buf).
 */
static unsigned int kernels_unmasked(const char *names[], unsigned int max,
				     char *buf, size_t len)
{
	unsigned int n = 0;
	int fds[2], status;
	ssize_t got, r;
	pid_t pid;
	char *save = NULL, *tok;

	cr_assert_eq(pipe(fds), 0);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		const char *name;
		unsigned int i;

		close(fds[0]);
		unsetenv("DGEN_DISABLE_CPU_FEATURES");
		for (i = 0; (name = dgen_kernel_name(i)); i++)
			if (write(fds[1], name, strlen(name)) < 0 ||
			    write(fds[1], " ", 1) < 0)
				_exit(1);
		_exit(0);
	}
	close(fds[1]);
	for (got = 0; (r = read(fds[0], buf + got, len - 1 - (size_t)got)) > 0;)
		got += r;
	close(fds[0]);
	buf[got] = 0;
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	for (tok = strtok_r(buf, " ", &save); tok && n < max;
	     tok = strtok_r(NULL, " ", &save))
		names[n++] = tok;
	return n;
}

/*
 * With DGEN_DISABLE_CPU_FEATURES=@mask set before the first use, the
 * kernels in @hidden are not listed, a stream asking for one of them is
 * refused with -EINVAL, and the other kernels listed without the mask stay
 * listed, in order.
 */
static void check_masked(const char *mask, const char *const hidden[],
			 unsigned int nhidden)
{
	const char *before[MAX_KERNELS + 1];
	char names[256];
	unsigned int i, n;
	const char *name;
	struct dgen_stream_params p = test_params(1 * MIB, 4096, 4096, 2, 2);
	struct dgen_stream *ref, *s = NULL;
	uint8_t *a = xmalloc(1 * MIB), *b = xmalloc(1 * MIB);

	n = kernels_unmasked(before, MAX_KERNELS, names, sizeof(names));
	before[n] = NULL;
	cr_assert(n >= 1);

	cr_assert(!setenv("DGEN_DISABLE_CPU_FEATURES", mask, 1));
	for (i = 0; i < nhidden; i++) {
		char msg[256] = "";
		unsigned int j;
		int r;

		for (j = 0; (name = dgen_kernel_name(j)); j++)
			cr_assert(strcmp(name, hidden[i]),
				  "DGEN_DISABLE_CPU_FEATURES=%s still lists %s",
				  mask, hidden[i]);
		p.kernel = hidden[i];
		r = dgen_stream_new(&s, &p, msg, sizeof(msg));
		cr_assert(r == -EINVAL,
			  "DGEN_DISABLE_CPU_FEATURES=%s: stream with kernel %s "
			  "returned %d, want -EINVAL", mask, hidden[i], r);
		cr_assert(strstr(msg, hidden[i]), "message \"%s\" does not "
			  "name kernel %s", msg, hidden[i]);
	}
	/* What was listed and not hidden is still listed, in order. */
	for (i = 0, n = 0; before[i]; i++) {
		unsigned int j, is_hidden = 0;

		for (j = 0; j < nhidden; j++)
			is_hidden |= !strcmp(before[i], hidden[j]);
		if (is_hidden)
			continue;
		name = dgen_kernel_name(n++);
		cr_assert(name && !strcmp(name, before[i]),
			  "DGEN_DISABLE_CPU_FEATURES=%s: kernel %u is %s, want "
			  "%s", mask, n - 1, name ? name : "NULL", before[i]);
	}
	cr_assert(dgen_kernel_name(n) == NULL);
	cr_assert(kernel_listed("generic"));

	/* The default is now the best remaining kernel, and it makes the
	 * reference kernel's bytes. */
	p.kernel = NULL;
	s = stream_make(&p);
	cr_assert(!strcmp(stream_layout(s).kernel, dgen_kernel_name(0)),
		  "default kernel %s under mask %s", stream_layout(s).kernel,
		  mask);
	p.kernel = "generic";
	ref = stream_make(&p);
	stream_fill(s, a, 0, 1 * MIB);
	stream_fill(ref, b, 0, 1 * MIB);
	cr_assert(!memcmp(a, b, 1 * MIB));
	dgen_stream_free(s);
	dgen_stream_free(ref);
	free(a);
	free(b);
}

/*
 * The CPU's features and the mask are read once, at first use: a mask set
 * afterwards changes neither the list nor a new stream's default kernel
 * (a tree burn-in makes a stream per file; none re-reads them).
 */
Test(kernel, features_read_once)
{
	const char *first[MAX_KERNELS + 1], *name;
	struct dgen_stream_params p = test_params(1 * MIB, 4096, 4096, 2, 2);
	struct dgen_stream *s;
	unsigned int i, n;

	unsetenv("DGEN_DISABLE_CPU_FEATURES");
	for (n = 0; n < MAX_KERNELS && (name = dgen_kernel_name(n)); n++)
		first[n] = name;
	if (n < 2)
		cr_skip_test("this CPU runs the generic kernel only: no mask shows");
	cr_assert(!setenv("DGEN_DISABLE_CPU_FEATURES", "all", 1));
	for (i = 0; i < n; i++) {
		name = dgen_kernel_name(i);
		cr_assert(name && !strcmp(name, first[i]),
			  "after the first use, a new mask changed kernel %u "
			  "from %s to %s", i, first[i], name ? name : "NULL");
	}
	cr_assert_null(dgen_kernel_name(n));
	p.kernel = NULL;
	s = stream_make(&p);
	cr_assert_str_eq(stream_layout(s).kernel, first[0]);
	dgen_stream_free(s);
	unsetenv("DGEN_DISABLE_CPU_FEATURES");
}

Test(kernel, disable_avx512)
{
	static const char *const hidden[] = { "avx512" };

	check_masked("avx512", hidden, 1);
}

Test(kernel, disable_avx2)
{
	static const char *const hidden[] = { "avx2" };

	check_masked("avx2", hidden, 1);
}

Test(kernel, disable_all)
{
	static const char *const hidden[] = { "avx512", "avx2" };

	check_masked("all", hidden, 2);
	cr_assert(!setenv("DGEN_DISABLE_CPU_FEATURES", "all", 1));
	cr_assert(!strcmp(dgen_kernel_name(0), "generic") &&
		  dgen_kernel_name(1) == NULL,
		  "DGEN_DISABLE_CPU_FEATURES=all leaves more than generic");
}

Test(kernel, disable_list)
{
	static const char *const hidden[] = { "avx2", "avx512" };

	check_masked("avx2,avx512", hidden, 2);
}
