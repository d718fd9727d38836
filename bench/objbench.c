// SPDX-License-Identifier: MIT
/*
 * objbench.c - dgen-objbench: one object-store job of libdgen, timed
 *
 * Writes (or verifies) N objects of SIZE under URL (s3://BUCKET/PREFIX or
 * az://CONTAINER/PREFIX; the standard configuration, see dgen/objstore.h)
 * and prints one line: GB/s and objects/s on the job's clock, the
 * process's CPU seconds (user, system) and CPU seconds per GB, the
 * latency percentiles of the data requests (time to first byte and
 * total), retries and HTTP errors; --json prints the same as one object.
 * bench/objects.sh runs it against awscli and curl on the same server.
 *
 * Usage: dgen-objbench URL OBJECTS SIZE [--threads N] [--depth N]
 *        [--part-size SIZE] [--endpoint URL]... [--verify] [--seed N]
 *        [--force] [--json]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <dgen/dgen.h>

#define THREADS_DEFAULT	1
#define DEPTH_DEFAULT	DGEN_OBJSTORE_DEPTH_DEFAULT

static uint64_t size_arg(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'K': case 'k': return v << 10;
	case 'M': case 'm': return v << 20;
	case 'G': case 'g': return v << 30;
	default: return v;
	}
}

static double cpu_s(int who, double *user, double *sys)
{
	struct rusage ru;

	getrusage(who, &ru);
	*user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	*sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	return *user + *sys;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: dgen-objbench URL OBJECTS SIZE [--threads N (%u)] [--depth N (%u)]\n"
		"       [--part-size SIZE (%llu MiB)] [--endpoint URL]... [--verify] [--seed N]\n"
		"       [--force] [--json]\n",
		THREADS_DEFAULT, DEPTH_DEFAULT,
		(unsigned long long)(DGEN_OBJSTORE_PART_SIZE_DEFAULT >> 20));
	exit(2);
}

int main(int argc, char **argv)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore_result r;
	struct dgen_objstore_opts so;
	struct dgen_objstore_job *j;
	struct dgen_objstore *s;
	const char *eps[DGEN_OBJSTORE_ENDPOINTS_MAX];
	unsigned int neps = 0, force = 0, json = 0;
	double u0, s0, u1, s1, gb;
	char msg[512];
	int err;

	if (argc < 4)
		usage();
	dgen_objstore_opts_init(&so);
	dgen_objstore_job_opts_init(&o);
	so.url = argv[1];
	o.objects = strtoull(argv[2], NULL, 10);
	o.object_size = size_arg(argv[3]);
	o.tree = o.objects > 1;
	o.threads = THREADS_DEFAULT;
	o.params.seed = 1;
	for (int i = 4; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--verify"))
			o.mode = DGEN_MODE_VERIFY;
		else if (!strcmp(a, "--force"))
			force = 1;
		else if (!strcmp(a, "--json"))
			json = 1;
		else if (!v)
			usage();
		else if (!strcmp(a, "--threads") && ++i)
			o.threads = (uint32_t)atoi(v);
		else if (!strcmp(a, "--depth") && ++i)
			o.depth = (uint32_t)atoi(v);
		else if (!strcmp(a, "--part-size") && ++i)
			o.part_size = size_arg(v);
		else if (!strcmp(a, "--seed") && ++i)
			o.params.seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--endpoint") && ++i && neps < DGEN_OBJSTORE_ENDPOINTS_MAX)
			eps[neps++] = v;
		else
			usage();
	}
	so.endpoints = neps ? eps : NULL;
	so.nendpoints = neps;
	if ((err = dgen_objstore_new(&s, &so, msg, sizeof(msg))) ||
	    (o.mode == DGEN_MODE_WRITE &&
	     (err = dgen_objstore_prepare(s, &o, force ? DGEN_OBJSTORE_FORCE : 0,
					  msg, sizeof(msg)))) ||
	    (err = dgen_objstore_job_new(&j, s, &o, msg, sizeof(msg)))) {
		fprintf(stderr, "dgen-objbench: %s\n", msg);
		return 2;
	}
	cpu_s(RUSAGE_SELF, &u0, &s0);
	if ((err = dgen_objstore_job_start(j, msg, sizeof(msg)))) {
		fprintf(stderr, "dgen-objbench: %s\n", msg);
		return 3;
	}
	dgen_objstore_job_wait(j, &r);
	cpu_s(RUSAGE_SELF, &u1, &s1);
	gb = (double)r.bytes / 1e9;
	if (json)
		printf("{\"bytes\": %llu, \"objects\": %llu, \"seconds\": %.6f, \"gbps\": %.4f, \"objects_per_s\": %.2f, "
		       "\"cpu_user_s\": %.3f, \"cpu_sys_s\": %.3f, \"cpu_s_per_gb\": %.4f, "
		       "\"ttfb_p50_ms\": %.3f, \"ttfb_p99_ms\": %.3f, \"total_p50_ms\": %.3f, \"total_p99_ms\": %.3f, "
		       "\"retries\": %llu, \"http_errors\": %llu, \"error\": %d, \"mismatches\": %llu}\n",
		       (unsigned long long)r.bytes, (unsigned long long)r.objects,
		       r.seconds, gb / r.seconds, (double)r.objects / r.seconds,
		       u1 - u0, s1 - s0, (u1 - u0 + s1 - s0) / gb,
		       (double)dgen_latency_percentile(&r.ttfb, 50) / 1e6,
		       (double)dgen_latency_percentile(&r.ttfb, 99) / 1e6,
		       (double)dgen_latency_percentile(&r.total, 50) / 1e6,
		       (double)dgen_latency_percentile(&r.total, 99) / 1e6,
		       (unsigned long long)r.retries,
		       (unsigned long long)r.http_errors, r.error,
		       (unsigned long long)r.mismatches);
	else
		printf("%llu objects, %llu B in %.3f s: %.3f GB/s, %.1f objects/s; cpu user %.2f s sys %.2f s (%.2f s/GB); "
		       "ttfb p50 %.1f ms p99 %.1f ms, total p50 %.1f ms p99 %.1f ms; retries %llu, HTTP errors %llu%s%s\n",
		       (unsigned long long)r.objects, (unsigned long long)r.bytes,
		       r.seconds, gb / r.seconds, (double)r.objects / r.seconds,
		       u1 - u0, s1 - s0, (u1 - u0 + s1 - s0) / gb,
		       (double)dgen_latency_percentile(&r.ttfb, 50) / 1e6,
		       (double)dgen_latency_percentile(&r.ttfb, 99) / 1e6,
		       (double)dgen_latency_percentile(&r.total, 50) / 1e6,
		       (double)dgen_latency_percentile(&r.total, 99) / 1e6,
		       (unsigned long long)r.retries,
		       (unsigned long long)r.http_errors,
		       r.error ? "; error: " : "", r.error ? r.error_msg : "");
	dgen_objstore_job_free(j);
	dgen_objstore_free(s);
	return r.error ? 3 : r.mismatches || r.bad_objects ? 1 : 0;
}
