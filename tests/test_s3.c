// SPDX-License-Identifier: MIT
/*
 * test_s3.c - objects written and verified by libdgen on a real S3 server
 * (s3rver), read back with a real client (Debian's awscli, /usr/bin/aws)
 *
 *   tree_equals_stdout   a tree of objects, each equal to --stdout of its
 *                        stream; its keys refused a second time, unless
 *                        forced
 *   multipart_exact      a 96 MiB object in 12 parts, byte for byte
 *   verify_finds_replaced  verify clean, then an object replaced and one
 *                        cut short through awscli are named with their
 *                        kinds, and a missing one too
 *   slowdown_retried     503 SlowDown answers retried and counted
 *   slowdown_fails       retries run out: the key, endpoint and status
 *   server_killed        a server killed mid-job ends it within the I/O
 *                        timeout, naming the key and endpoint
 *   server_hung          a stopped server (SIGSTOP) likewise
 *   slow_endpoint        two endpoints, one behind a throttling proxy:
 *                        the verdict rule calls that one slow
 *   sigv4_as_botocore    every request's SigV4 signature equals the one
 *                        botocore (awscli's signer) computes for it
 *                        (s3rver itself accepts any signature)
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "objstore_jobs.h"

#define BUCKET		"dgen-test"
#define AWS		"/usr/bin/aws"

static int port;

/* The credentials s3rver knows, its endpoint, and no profile of ours. */
static void s3_env(int p)
{
	char ep[64];

	snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", p);
	setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
	setenv("AWS_ENDPOINT_URL", ep, 1);
	setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
	setenv("HOME", h_scratch_dir(), 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_ENDPOINT_URL_S3");
	unsetenv("AWS_REGION");
}

static int s3_start(void)
{
	int slot;

	if (access(AWS, X_OK))
		cr_skip_test("Debian's awscli (" AWS ") is absent: it reads the objects back");
	slot = h_s3rver(BUCKET, &port);
	s3_env(port);
	return slot;
}

/* Run `aws s3 ARGS` against the server; its exit status. */
__attribute__((format(printf, 1, 2)))
static int aws(const char *fmt, ...)
{
	char args[2048], cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd),
		 "env -i PATH=/usr/bin:/bin HOME=%s AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_DEFAULT_REGION=us-east-1 "
		 AWS " --endpoint-url http://127.0.0.1:%d s3 %s --only-show-errors",
		 h_scratch_dir(), port, args);
	return system(cmd);
}

TestSuite(s3, .fini = h_cleanup, .timeout = 600);

Test(s3, tree_equals_stdout)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore *s;
	char dir[512], path[1024], key[512], msg[512];

	s3_start();
	s = j_store("s3://" BUCKET "/trees/t1", NULL, 0, 0);
	j_opts(&o, DGEN_MODE_WRITE, 12, 300 * 1024 + 512, 0x5eed);
	o.params.stream_id = 40;
	o.params.dedup_ratio = 2;
	o.params.compress_ratio = 3;
	j_write(s, &o);
	snprintf(dir, sizeof(dir), "%s/down", h_scratch_dir());
	cr_assert_eq(aws("cp --recursive s3://" BUCKET "/trees/t1 %s", dir), 0);
	for (uint64_t i = 0; i < o.objects; i++) {
		cr_assert_gt(dgen_objstore_key(s, &o, i, key, sizeof(key)), 0);
		/* Keys are the tree's paths: fanout 5 puts object 7 in d001. */
		if (i == 7)
			cr_assert_str_eq(key, "trees/t1/d001/f000007");
		snprintf(path, sizeof(path), "%s/%s", dir, key + strlen("trees/t1/"));
		cr_assert_eq(j_equals_stdout(path, o.object_size, 0x5eed, 40 + i, 2, 3),
			     0, "object %s", key);
	}
	/* A second write of the same keys is refused, naming one. */
	cr_assert_eq(dgen_objstore_prepare(s, &o, 0, msg, sizeof(msg)), -EEXIST);
	cr_assert(strstr(msg, "trees/t1/d000/f000000"), "%s", msg);
	cr_assert_eq(dgen_objstore_prepare(s, &o, DGEN_OBJSTORE_FORCE, msg,
					   sizeof(msg)), 0, "%s", msg);
	/* A tree elsewhere in the bucket is not in the way. */
	o.objects = 3;
	dgen_objstore_free(s);
	s = j_store("s3://" BUCKET "/trees/t10", NULL, 0, 0);
	cr_assert_eq(dgen_objstore_prepare(s, &o, 0, msg, sizeof(msg)), 0, "%s", msg);
	dgen_objstore_free(s);
}

Test(s3, multipart_exact)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore_result res;
	struct dgen_objstore_plan plan;
	struct dgen_objstore_job *j;
	struct dgen_objstore *s;
	char path[512];

	s3_start();
	s = j_store("s3://" BUCKET "/big/one", NULL, 0, 0);
	j_opts(&o, DGEN_MODE_WRITE, 1, 96 * MIB, 77);
	o.params.dedup_ratio = 2;
	o.params.compress_ratio = 2;
	j_write(s, &o);
	snprintf(path, sizeof(path), "%s/one", h_scratch_dir());
	cr_assert_eq(aws("cp s3://" BUCKET "/big/one %s", path), 0);
	cr_assert_eq(j_equals_stdout(path, o.object_size, 77, 0, 2, 2), 0);
	unlink(path);
	/* Read back by the library too, in ranges of a part. */
	o.mode = DGEN_MODE_VERIFY;
	j = j_run(s, &o, &res);
	dgen_objstore_job_plan(j, &plan);
	cr_assert_eq(plan.parts, 12);
	cr_assert_eq(plan.memory, 2 * 4 * DGEN_OBJSTORE_CHUNK);
	cr_assert_eq(plan.memory_bound, 2 * 4 * 8 * MIB);
	cr_assert_eq(res.error, 0, "%s", res.error_msg);
	cr_assert_eq(res.requests, 12);
	cr_assert_eq(res.bytes, 96 * MIB);
	cr_assert_eq(res.mismatches, 0);
	cr_assert_eq(res.bad_objects, 0);
	dgen_objstore_job_free(j);
	dgen_objstore_free(s);
}

Test(s3, verify_finds_replaced)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore_result res;
	struct dgen_objstore_job *j;
	struct dgen_objstore *s;
	char other[512], half[512], key[512];

	s3_start();
	s = j_store("s3://" BUCKET "/v", NULL, 0, 0);
	j_opts(&o, DGEN_MODE_WRITE, 8, 256 * 1024, 99);
	j_write(s, &o);
	o.mode = DGEN_MODE_VERIFY;
	j = j_run(s, &o, &res);
	cr_assert_eq(res.error, 0, "%s", res.error_msg);
	cr_assert_eq(res.objects, 8);
	cr_assert_eq(res.mismatches + res.bad_objects, 0);
	dgen_objstore_job_free(j);

	/* Object 5 replaced by another stream's bytes, object 2 by its own
	 * first half, both through awscli. */
	snprintf(other, sizeof(other), "%s/other", h_scratch_dir());
	snprintf(half, sizeof(half), "%s/half", h_scratch_dir());
	cr_assert_eq(aws("cp s3://" BUCKET "/v/d001/f000006 %s", other), 0);
	cr_assert_eq(aws("cp s3://" BUCKET "/v/d000/f000002 %s", half), 0);
	cr_assert_eq(truncate(half, 100000), 0);
	cr_assert_eq(aws("cp %s s3://" BUCKET "/v/d001/f000005", other), 0);
	cr_assert_eq(aws("cp %s s3://" BUCKET "/v/d000/f000002", half), 0);
	/* Nine objects: the ninth was never written. */
	o.objects = 9;
	j = j_run(s, &o, &res);
	cr_assert_eq(res.error, 0, "%s", res.error_msg);
	cr_assert_eq(res.bad_objects, 3);
	cr_assert_eq(res.bad_reported, 3);
	cr_assert_eq(res.bad[0].object, 2);
	cr_assert_eq(res.bad[0].kind, DGEN_OBJSTORE_SHORT);
	cr_assert_eq(res.bad[0].offset, 100000);
	cr_assert_eq(res.bad[0].held, 100000);
	cr_assert_eq(res.bad[1].object, 5);
	cr_assert_eq(res.bad[1].kind, DGEN_OBJSTORE_CONTENT);
	cr_assert_eq(res.bad[1].offset, 0);
	cr_assert_eq(res.bad[1].blocks, 64);
	cr_assert_eq(res.bad[1].block_kind, DGEN_MISMATCH_FOREIGN);
	cr_assert_eq(res.bad[2].object, 8);
	cr_assert_eq(res.bad[2].kind, DGEN_OBJSTORE_MISSING);
	cr_assert_eq(res.bad_kinds[DGEN_OBJSTORE_CONTENT], 1);
	/* Object 2's 100000 bytes are its own (its tail is missing, not
	 * wrong): the bad blocks are object 5's 64, all foreign. */
	cr_assert_eq(res.mismatches, 64);
	cr_assert_eq(res.kinds[DGEN_MISMATCH_FOREIGN], 64);
	cr_assert_eq(res.report[0].target, 5);
	cr_assert_eq(res.report[0].offset, 0);
	cr_assert_gt(dgen_objstore_key(s, &o, res.bad[1].object, key, sizeof(key)), 0);
	cr_assert_str_eq(key, "v/d001/f000005");
	cr_assert_geq(res.http_errors, 1);	/* the 404 */
	dgen_objstore_job_free(j);
	dgen_objstore_free(s);
}

/* A job of @n objects through a proxy that answers the first @fails
 * requests 503. */
static void slowdown(int fails, unsigned int n, struct dgen_objstore_result *res)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore_job *j;
	struct dgen_objstore *s;
	struct h_proxy p;
	char ep[64];
	const char *eps[] = { ep };

	s3_start();
	h_proxy_start(&p, port, 0, fails);
	snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", p.port);
	s = j_store("s3://" BUCKET "/slow", eps, 1, 10);
	j_opts(&o, DGEN_MODE_WRITE, n, 64 * 1024, 5);
	j = j_run(s, &o, res);
	h_proxy_stop(&p);
	dgen_objstore_job_free(j);
	dgen_objstore_free(s);
}

Test(s3, slowdown_retried)
{
	struct dgen_objstore_result res;

	slowdown(3, 6, &res);
	cr_assert_eq(res.error, 0, "%s", res.error_msg);
	cr_assert_eq(res.objects, 6);
	cr_assert_eq(res.retries, 3);
	cr_assert_eq(res.http_errors, 3);
}

Test(s3, slowdown_fails)
{
	struct dgen_objstore_result res;

	slowdown(1000000, 1, &res);
	cr_assert_eq(res.error, -EIO);
	cr_assert_eq(res.error_http, 503);
	cr_assert_eq(res.error_object, 0);
	cr_assert_eq(res.error_endpoint, 0);
	cr_assert_eq(res.retries, DGEN_OBJSTORE_RETRIES_DEFAULT);
	cr_assert(strstr(res.error_msg, "PUT " BUCKET "/slow at http://127.0.0.1:"),
		  "%s", res.error_msg);
	cr_assert(strstr(res.error_msg, "HTTP 503 SlowDown"), "%s", res.error_msg);
	cr_assert(strstr(res.error_msg, "after 5 retries"), "%s", res.error_msg);
}

/*
 * A job at a capped rate, so it is still going when @sig hits the server
 * after a second; it must end within the I/O timeout (3 s) of that, with
 * the error of a key and the endpoint. The bound is wide on purpose.
 */
static void server_dies(int sig, int want)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore_result res;
	struct dgen_objstore_job *j;
	struct dgen_objstore *s;
	int slot = s3_start();
	char msg[512];
	double t;

	s = j_store("s3://" BUCKET "/dies", NULL, 0, 3);
	j_opts(&o, DGEN_MODE_WRITE, 64, 1 * MIB, 6);
	o.rate = 8 * MIB;
	cr_assert_eq(dgen_objstore_job_new(&j, s, &o, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_objstore_job_start(j, msg, sizeof(msg)), 0, "%s", msg);
	sleep(1);
	cr_assert(dgen_objstore_job_running(j), "the job ended before the server died");
	if (sig == SIGKILL)
		h_kill(slot);
	else
		kill(h_pids[slot], sig);
	t = h_now();
	while (dgen_objstore_job_running(j) && h_now() - t < 60)
		usleep(10000);
	t = h_now() - t;
	dgen_objstore_job_wait(j, &res);
	cr_log_info("the job ended %.2f s after the server's %s", t, strsignal(sig));
	cr_assert_lt(t, 3 + 10, "%.1f s: past the I/O timeout", t);
	cr_assert(res.error == want || (want == -ECONNREFUSED &&
					res.error == -ECONNRESET),
		  "error %d: %s", res.error, res.error_msg);
	cr_assert_geq(res.error_object, 1);
	cr_assert_eq(res.error_endpoint, 0);
	cr_assert(strstr(res.error_msg, BUCKET "/dies/d0") &&
		  strstr(res.error_msg, "at http://127.0.0.1:"), "%s", res.error_msg);
	cr_assert_lt(res.objects, 64);
	dgen_objstore_job_free(j);
	dgen_objstore_free(s);
}

Test(s3, server_killed)
{
	server_dies(SIGKILL, -ECONNREFUSED);
}

Test(s3, server_hung)
{
	server_dies(SIGSTOP, -ETIMEDOUT);
}

Test(s3, slow_endpoint)
{
	struct dgen_verdict_input in[2];
	struct dgen_target_verdict v[2];
	struct dgen_objstore_job_opts o;
	struct dgen_objstore_result res;
	struct dgen_objstore_stats st;
	struct dgen_objstore_job *j;
	struct dgen_objstore *s;
	struct h_proxy p;
	char ep0[64], ep1[64], ep1_bare[64];
	const char *eps[] = { ep0, ep1 };

	s3_start();
	/* 4 MB/s: a tenth or less of what loopback gives s3rver here, even
	 * under a sanitizer on a loaded machine (the slow margin is half). */
	h_proxy_start(&p, port, 4e6, 0);
	snprintf(ep0, sizeof(ep0), "http://127.0.0.1:%d", port);
	snprintf(ep1, sizeof(ep1), "http://127.0.0.1:%d/", p.port);
	snprintf(ep1_bare, sizeof(ep1_bare), "http://127.0.0.1:%d", p.port);
	s = j_store("s3://" BUCKET "/two", eps, 2, 0);
	/* An endpoint keeps no trailing slash: keys add their own. */
	cr_assert_str_eq(dgen_objstore_endpoint(s, 1), ep1_bare);
	j_opts(&o, DGEN_MODE_WRITE, 16, 2 * MIB, 8);
	j = j_run(s, &o, &res);
	h_proxy_stop(&p);
	cr_assert_eq(res.error, 0, "%s", res.error_msg);
	for (unsigned int k = 0; k < 2; k++) {
		cr_assert_eq(dgen_objstore_job_sample(j, k, &st), 0);
		cr_assert_eq(st.objects, 8, "endpoint %u: even objects to 0", k);
		cr_assert_eq(st.retries, 0);
		j_endpoint(j, k, &in[k]);
		cr_log_info("endpoint %u: %.3f GB/s, p99 %.0f us", k, in[k].gbps,
			    in[k].p99_us);
	}
	dgen_verdicts(in, 2, NULL, NULL, v);
	cr_assert_eq(v[0].verdict, DGEN_VERDICT_OK, "%s", v[0].reason);
	cr_assert_eq(v[1].verdict, DGEN_VERDICT_SLOW, "%s", v[1].reason);
	dgen_objstore_job_free(j);
	dgen_objstore_free(s);
}

/*
 * s3rver takes any signature, so the signatures are checked against
 * botocore's: every request of a prepare, a tree, a multipart upload and
 * a verify, recorded on the wire by the proxy, with a key that needs
 * encoding and a session token.
 */
Test(s3, sigv4_as_botocore)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore_result res;
	struct dgen_objstore_job *j;
	struct dgen_objstore *s;
	struct h_proxy p;
	char ep[64], heads[512], cmd[1024];
	const char *eps[] = { ep };

	s3_start();
	setenv("AWS_SESSION_TOKEN", "token/with+odd=chars", 1);
	h_proxy_start(&p, port, 0, 0);
	snprintf(heads, sizeof(heads), "%s/heads", h_scratch_dir());
	p.record = fopen(heads, "w");
	cr_assert(p.record);
	snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", p.port);
	s = j_store("s3://" BUCKET "/sig dir+x=y~", eps, 1, 0);
	j_opts(&o, DGEN_MODE_WRITE, 2, 6 * MIB, 3);
	o.part_size = 5 * MIB;
	j_write(s, &o);
	o.mode = DGEN_MODE_VERIFY;
	j = j_run(s, &o, &res);
	cr_assert_eq(res.error, 0, "%s", res.error_msg);
	cr_assert_eq(res.mismatches + res.bad_objects, 0);
	dgen_objstore_job_free(j);
	dgen_objstore_free(s);
	h_proxy_stop(&p);
	fclose(p.record);
	/* HEAD bucket, a listing, 2 x (create, 2 parts, complete), 4 GETs. */
	snprintf(cmd, sizeof(cmd), "env -i PATH=/usr/bin:/bin /usr/bin/python3 '%s' '%s' S3RVER us-east-1 1>&2",
		 DGEN_TESTS_DIR "/sigv4_check.py", heads);
	cr_assert_eq(system(cmd), 0, "a signature differs from botocore's");
	/* And the check can fail: under another secret every one differs. */
	snprintf(cmd, sizeof(cmd), "env -i PATH=/usr/bin:/bin /usr/bin/python3 '%s' '%s' S3RVER2 us-east-1 >/dev/null",
		 DGEN_TESTS_DIR "/sigv4_check.py", heads);
	cr_assert_neq(system(cmd), 0, "botocore agreed under a wrong secret");
}
