// SPDX-License-Identifier: MIT
/*
 * test_objtool.c - dgen-uring itself on real object stores: s3rver and
 * Azurite (npm), read back and tampered with through real clients
 * (Debian's awscli, /usr/bin/aws; the Azure SDK for Python), a fleet under
 * mpirun. Each test starts its own server.
 *
 *   tree_equals_stdout    --dir s3://: every object equals --stdout of its
 *                         stream; the keys refused a second time (exit 2),
 *                         replaced with --force
 *   one_multipart_exact   --dev s3://BUCKET/KEY of 96 MiB in 12 parts,
 *                         verified, and byte for byte as awscli reads it
 *   verify_only_replaced  --verify-only clean, then an object replaced
 *                         through awscli is found (exit 1) and named with
 *                         its key, kind and offset
 *   passes_stale          two verified passes; an object put back with
 *                         pass 1's bytes through awscli is called stale
 *   server_killed         s3rver killed mid-run: exit 3 within the I/O
 *                         timeout, the key and the endpoint named
 *   slow_endpoint         two endpoints, one behind a throttling proxy:
 *                         that one's verdict is slow, the other's ok, and
 *                         --fail-on slow makes it exit 5
 *   formats_verify        npz and TFRecord (and HDF5 when built) trees of
 *                         objects verify clean; awscli's copies equal the
 *                         files dgen-uring writes (npz, TFRecord) and
 *                         h5dump reads the payload (HDF5)
 *   azure_tree            --dir az://: verified, and each blob as the
 *                         Azure SDK reads it equals --stdout of its stream
 *   fleet_prefixes        mpirun -n 2 --dir s3://BUCKET/f%r with
 *                         --endpoint, --part-size, --retries: each rank's
 *                         multipart objects under its own prefix, with
 *                         its own streams
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdarg.h>

#include "objstore_jobs.h"

#define BUCKET		"dgen-tool"
#define AWS		"/usr/bin/aws"
#define PY		"/usr/bin/python3"
#define CONT		"dgen-tool"

static int port;
static char ep[64];

static int s3_start(void)
{
	char e[80];
	int slot;

	if (access(AWS, X_OK))
		cr_skip_test("Debian's awscli (" AWS ") is absent: it reads the objects back");
	if (system("command -v jq >/dev/null"))
		cr_skip_test("jq is absent: it reads the JSON reports");
	slot = h_s3rver(BUCKET, &port);
	snprintf(ep, sizeof(ep), "http://127.0.0.1:%d", port);
	snprintf(e, sizeof(e), "--endpoint-url=%s", ep);
	setenv("AWS_ACCESS_KEY_ID", "S3RVER", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "S3RVER", 1);
	setenv("AWS_DEFAULT_REGION", "us-east-1", 1);
	setenv("AWS_ENDPOINT_URL", ep, 1);
	setenv("HOME", h_scratch_dir(), 1);
	unsetenv("AWS_PROFILE");
	unsetenv("AWS_SESSION_TOKEN");
	unsetenv("AWS_ENDPOINT_URL_S3");
	unsetenv("AWS_REGION");
	return slot;
}

/* Run `aws s3 ARGS` against the server (Debian's, no pyenv); its status. */
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
		 AWS " --endpoint-url %s s3 %s --only-show-errors",
		 h_scratch_dir(), ep, args);
	return system(cmd);
}

/*
 * Run the built tool with @fmt's arguments, its stdout in @out (a file's
 * path, or NULL), its stderr in the scratch directory's tool.err and the
 * test's log; returns its exit status.
 */
__attribute__((format(printf, 2, 3)))
static int tool(const char *out, const char *fmt, ...)
{
	char args[2048], cmd[4096], err[512];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(err, sizeof(err), "%s/tool.err", h_scratch_dir());
	snprintf(cmd, sizeof(cmd), "'%s' %s > '%s' 2> '%s'", DGEN_URING_PATH,
		 args, out ? out : "/dev/null", err);
	st = system(cmd);
	snprintf(cmd, sizeof(cmd), "cat '%s' >&2", err);
	if (system(cmd))
		cr_log_warn("no stderr of the tool");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* A path in the scratch directory. */
static const char *scratch(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", h_scratch_dir(), name);
	return buf;
}

/* 1 when jq finds @expr true of the JSON file @path. */
static int jq(const char *path, const char *expr)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "jq -e '%s' '%s' >/dev/null", expr, path);
	return system(cmd) == 0;
}

/* 1 when the file @path holds @s. */
static int holds(const char *path, const char *s)
{
	static char buf[1 << 20];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	return strstr(buf, s) != NULL;
}

TestSuite(objtool, .fini = h_cleanup, .timeout = 600);

Test(objtool, tree_equals_stdout)
{
	char dir[512], path[1024], rep[512];
	const uint64_t size = 300 * 1024 + 512;

	s3_start();
	scratch(rep, sizeof(rep), "rep.json");
	cr_assert_eq(tool(rep, "--dir s3://" BUCKET "/t1 --files 7 --fanout 5 --file-size %llu --seed 11 --stream 40 --dedup 2 --compress 3 --threads 2 --json",
			  (unsigned long long)size), 0);
	cr_assert(jq(rep, ".status == \"ok\" and .write.objects == 7 and .endpoints[0].write.objects == 7 and .job.engine == \"http/curl\" and (.job | has(\"ring\") | not)"));
	scratch(dir, sizeof(dir), "down");
	cr_assert_eq(aws("cp --recursive s3://" BUCKET "/t1 %s", dir), 0);
	for (uint64_t i = 0; i < 7; i++) {
		/* Keys are the tree's paths: fanout 5 puts object 6 in d001. */
		snprintf(path, sizeof(path), "%s/d%03llu/f%06llu", dir,
			 (unsigned long long)(i / 5), (unsigned long long)i);
		cr_assert_eq(j_equals_stdout(path, size, 11, 40 + i, 2, 3), 0,
			     "object %llu", (unsigned long long)i);
	}
	/* The keys exist: refused, exit 2, one named; forced, replaced. */
	cr_assert_eq(tool(NULL, "--dir s3://" BUCKET "/t1 --files 7 --fanout 5 --file-size %llu --seed 12",
			  (unsigned long long)size), 2);
	cr_assert(holds(scratch(rep, sizeof(rep), "tool.err"),
			"s3://" BUCKET "/t1/d000/f000000 exists"));
	cr_assert_eq(tool(NULL, "--dir s3://" BUCKET "/t1 --files 7 --fanout 5 --file-size %llu --seed 12 --stream 40 --force",
			  (unsigned long long)size), 0);
	cr_assert_eq(aws("cp s3://" BUCKET "/t1/d001/f000006 %s/six", dir), 0);
	snprintf(path, sizeof(path), "%s/six", dir);
	cr_assert_eq(j_equals_stdout(path, size, 12, 46, 1, 1), 0);
}

Test(objtool, one_multipart_exact)
{
	char rep[512], path[512];

	s3_start();
	scratch(rep, sizeof(rep), "rep.json");
	cr_assert_eq(tool(rep, "--dev s3://" BUCKET "/big/one --size 96M --part-size 8M --seed 77 --stream 3 --dedup 2 --compress 2 --threads 2 --verify --json"), 0);
	cr_assert(jq(rep, ".status == \"ok\" and .job.parts == 12 and .job.part_size == 8388608 and .object.key == \"big/one\" and .bytes_verified == 100663296 and .write.requests == 12 and .verify.requests == 12"));
	/* The memory bound: threads x depth x a part, as planned. */
	cr_assert(jq(rep, ".job.memory_bound == .job.requests_max * 8388608 and .job.memory == .job.requests_max * 1048576"));
	scratch(path, sizeof(path), "one");
	cr_assert_eq(aws("cp s3://" BUCKET "/big/one %s", path), 0);
	cr_assert_eq(j_equals_stdout(path, 96 * MIB, 77, 3, 2, 2), 0);
}

Test(objtool, verify_only_replaced)
{
	char rep[512], other[512];
	const char *args = "--dir s3://" BUCKET "/v --files 8 --fanout 4 --file-size 256K --seed 99";

	s3_start();
	cr_assert_eq(tool(NULL, "%s", args), 0);
	scratch(rep, sizeof(rep), "clean.json");
	cr_assert_eq(tool(rep, "%s --verify-only --json", args), 0);
	cr_assert(jq(rep, ".status == \"ok\" and .bad_objects == 0 and .verify.objects == 8"));
	/* Object 5 replaced, through awscli, by object 6's bytes. */
	scratch(other, sizeof(other), "other");
	cr_assert_eq(aws("cp s3://" BUCKET "/v/d001/f000006 %s", other), 0);
	cr_assert_eq(aws("cp %s s3://" BUCKET "/v/d001/f000005", other), 0);
	scratch(rep, sizeof(rep), "bad.txt");
	cr_assert_eq(tool(rep, "%s --verify-only", args), 1);
	cr_assert(holds(rep, "pass 1 s3://" BUCKET "/v/d001/f000005: content at offset 0 (64 bad blocks, the first foreign)"));
	cr_assert(holds(rep, "status: mismatch"));
	scratch(rep, sizeof(rep), "bad.json");
	cr_assert_eq(tool(rep, "%s --verify-only --json", args), 1);
	cr_assert(jq(rep, ".bad_objects == 1 and .bad_object_kinds.content == 1 and .bad_object_list[0].object == \"s3://" BUCKET "/v/d001/f000005\" and .bad_object_list[0].kind == \"content\" and .bad_object_list[0].offset == 0 and .mismatches == 64 and .foreign == 64 and .mismatch_list[0].target == \"s3://" BUCKET "/v/d001/f000005\""));
}

/*
 * Two verified passes; then object 3 holds pass 1's bytes again, put back
 * through awscli: --verify-only --pass 2 calls its blocks stale.
 */
Test(objtool, passes_stale)
{
	char rep[512], old[512];
	const char *args = "--dir s3://" BUCKET "/p --files 6 --file-size 100000 --fanout 4 --seed 21";

	s3_start();
	scratch(rep, sizeof(rep), "rep.json");
	cr_assert_eq(tool(rep, "%s --verify --passes 2 --threads 2 --json", args), 0);
	cr_assert(jq(rep, ".status == \"ok\" and (.passes | length) == 2 and .passes[1].objects_verified == 6 and .endpoints[0].verify.objects == 12"));
	scratch(old, sizeof(old), "old3");
	cr_assert_eq(tool(old, "--stdout --size 100000 --seed 21 --stream 3"), 0);
	cr_assert_eq(aws("cp %s s3://" BUCKET "/p/d000/f000003", old), 0);
	scratch(rep, sizeof(rep), "stale.txt");
	cr_assert_eq(tool(rep, "%s --verify-only --pass 2", args), 1);
	/* 100000 bytes: 24 whole blocks and a tail, all pass 1's. */
	cr_assert(holds(rep, "mismatches 25 (zeroed 0, stale 25, foreign 0)"));
	cr_assert(holds(rep, "pass 2 s3://" BUCKET "/p/d000/f000003: content at offset 0 (25 bad blocks, the first stale)"));
	cr_assert(holds(rep, "pass 2 s3://" BUCKET "/p/d000/f000003 offset 0: stale"));
}

Test(objtool, server_killed)
{
	char cmd[2048], err[512];
	int slot = s3_start(), st;
	double t;
	pid_t pid;

	scratch(err, sizeof(err), "killed.err");
	snprintf(cmd, sizeof(cmd), "exec '%s' --dir s3://" BUCKET "/dies --files 200 --file-size 1M --seed 6 --threads 2 --rate 8M --io-timeout 3 2> '%s' > /dev/null",
		 DGEN_URING_PATH, err);
	pid = fork();
	cr_assert(pid >= 0);
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	sleep(2);
	cr_assert_eq(waitpid(pid, &st, WNOHANG), 0, "the run ended before the server died");
	h_kill(slot);
	t = h_now();
	while (waitpid(pid, &st, WNOHANG) == 0 && h_now() - t < 60)
		usleep(10000);
	t = h_now() - t;
	cr_log_info("the run ended %.2f s after the server was killed", t);
	cr_assert_lt(t, 3 + 10, "%.1f s: past the I/O timeout", t);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 3, "exit %d", WEXITSTATUS(st));
	snprintf(cmd, sizeof(cmd), "PUT " BUCKET "/dies/d000/f000");
	cr_assert(holds(err, cmd), "no key named");
	cr_assert(holds(err, ep), "no endpoint named");
}

Test(objtool, slow_endpoint)
{
	char rep[512];
	struct h_proxy p;
	int rc;

	s3_start();
	/* 4 MB/s: a tenth or less of what loopback gives s3rver here, even
	 * under a sanitizer on a loaded machine (the slow margin is half). */
	h_proxy_start(&p, port, 4e6, 0);
	scratch(rep, sizeof(rep), "rep.json");
	rc = tool(rep, "--dir s3://" BUCKET "/two --files 16 --file-size 2M --seed 8 --threads 2 --endpoint %s --endpoint http://127.0.0.1:%d --fail-on slow --json",
		  ep, p.port);
	h_proxy_stop(&p);
	cr_assert_eq(rc, 5, "--fail-on slow: exit 5");
	cr_assert(jq(rep, ".status == \"ok\" and .endpoints[0].verdict == \"ok\" and .endpoints[1].verdict == \"slow\" and .endpoints[1].slow and .endpoints[0].write.objects == 8 and .endpoints[1].write.objects == 8"),
		  "the throttled endpoint is not called slow");
	cr_assert(jq(rep, ".endpoints[1].write.gbps < .endpoints[0].write.gbps"));
}

/* A tree of @fmt objects, verified by the tool; downloaded to @down. */
static void fmt_tree(const char *fmt, const char *down)
{
	char rep[512];

	scratch(rep, sizeof(rep), "fmt.json");
	cr_assert_eq(tool(rep, "--dir s3://" BUCKET "/%s --files 3 --file-size 300000 --format %s --record-size 70000 --seed 5 --verify --json",
			  fmt, fmt), 0, "%s", fmt);
	cr_assert(jq(rep, ".status == \"ok\" and .framing_errors == 0 and .bad_objects == 0 and .verify.objects == 3"),
		  "%s", fmt);
	cr_assert_eq(aws("cp --recursive s3://" BUCKET "/%s %s/%s", fmt, down, fmt), 0);
}

Test(objtool, formats_verify)
{
	char down[512], files[512], cmd[4096];

	s3_start();
	scratch(down, sizeof(down), "down");
	mkdir(scratch(files, sizeof(files), "files"), 0755);
	fmt_tree("npz", down);
	fmt_tree("tfrecord", down);
	/* The same trees as files: the objects are those bytes exactly. */
	cr_assert_eq(tool(NULL, "--dir %s/npz --files 3 --file-size 300000 --format npz --seed 5", files), 0);
	cr_assert_eq(tool(NULL, "--dir %s/tfrecord --files 3 --file-size 300000 --format tfrecord --record-size 70000 --seed 5", files), 0);
	snprintf(cmd, sizeof(cmd), "cd '%s' && for f in npz/d000/f00000[012].npz tfrecord/d000/f00000[012].tfrecord; do cmp \"$f\" '%s'/\"$f\" || exit 1; done",
		 down, files);
	cr_assert_eq(system(cmd), 0, "an object differs from its file");
	/* numpy reads an npz object's payload as the stream. */
	snprintf(cmd, sizeof(cmd), "'%s' --stdout --size 300000 --seed 5 --stream 2 2>/dev/null > '%s/s2' && "
		 PY " -c \"import numpy, sys; a = numpy.load(sys.argv[1])['data']; sys.exit(a.tobytes() != open(sys.argv[2], 'rb').read())\" '%s/npz/d000/f000002.npz' '%s/s2'",
		 DGEN_URING_PATH, down, down, down);
	cr_assert_eq(system(cmd), 0, "numpy does not read the stream");
	if (!dgen_format_supported(DGEN_FORMAT_HDF5) ||
	    system("command -v h5dump >/dev/null"))
		return;
	fmt_tree("hdf5", down);
	snprintf(cmd, sizeof(cmd), "h5dump -d /data -b LE -o '%s/h5' '%s/hdf5/d000/f000002.h5' >/dev/null && cmp '%s/h5' '%s/s2'",
		 down, down, down, down);
	cr_assert_eq(system(cmd), 0, "h5dump does not read the stream from an HDF5 object");
}

Test(objtool, azure_tree)
{
	char conn[512], cmd[4096], rep[512], path[512];
	int az;

	if (access(PY, X_OK) ||
	    system(PY " -c 'import azure.storage.blob' 2>/dev/null"))
		cr_skip_test("Debian's Azure SDK for Python (python3-azure-storage) is absent: it reads the blobs back");
	if (system("command -v jq >/dev/null"))
		cr_skip_test("jq is absent: it reads the JSON reports");
	h_azurite(&az);
	snprintf(conn, sizeof(conn),
		 "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" AZ_KEY
		 ";BlobEndpoint=http://127.0.0.1:%d/devstoreaccount1;", az);
	setenv("AZURE_STORAGE_CONNECTION_STRING", conn, 1);
	snprintf(cmd, sizeof(cmd), "env -i PATH=/usr/bin:/bin " PY " -c \"from azure.storage.blob import BlobServiceClient as B; "
		 "B.from_connection_string('%s').create_container('" CONT "')\"", conn);
	cr_assert_eq(system(cmd), 0, "the SDK could not make the container");
	scratch(rep, sizeof(rep), "rep.json");
	cr_assert_eq(tool(rep, "--dir az://" CONT "/t --files 5 --fanout 2 --file-size 200K --seed 4 --stream 9 --dedup 2 --verify --json"), 0);
	cr_assert(jq(rep, ".status == \"ok\" and .store.kind == \"azure\" and .store.account == \"devstoreaccount1\" and .verify.objects == 5"));
	for (unsigned int i = 0; i < 5; i++) {
		scratch(path, sizeof(path), "blob");
		snprintf(cmd, sizeof(cmd), "env -i PATH=/usr/bin:/bin " PY " -c \"import sys; from azure.storage.blob import BlobServiceClient as B; "
			 "open(sys.argv[2], 'wb').write(B.from_connection_string('%s').get_blob_client('" CONT "', sys.argv[1]).download_blob().readall())\" t/d%03u/f%06u '%s'",
			 conn, i / 2, i, path);
		cr_assert_eq(system(cmd), 0, "the SDK could not read blob %u", i);
		cr_assert_eq(j_equals_stdout(path, 200 * 1024, 4, 9 + i, 2, 1), 0,
			     "blob %u", i);
	}
}

/* mpirun -n 2 of the tool with @args (%r and all); its exit status. */
static int fleet(const char *rep, const char *args)
{
	char cmd[4096];
	int st;

	snprintf(cmd, sizeof(cmd), "timeout -k 5 300 mpirun -n 2 '%s' %s --json > '%s' 2> '%s/tool.err'",
		 DGEN_URING_PATH, args, rep, h_scratch_dir());
	st = system(cmd);
	snprintf(cmd, sizeof(cmd), "cat '%s/tool.err' >&2", h_scratch_dir());
	if (system(cmd))
		cr_log_warn("no stderr of the fleet");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(objtool, fleet_prefixes)
{
	char args[2048], rep[512], path[512], heads[512], cmd[1024];
	struct h_proxy p;

	if (!DGEN_MPI_BUILT || system("command -v mpirun >/dev/null"))
		cr_skip_test("not built with MPI, or no mpirun: no fleet");
	s3_start();
	setenv("OMPI_ALLOW_RUN_AS_ROOT", "1", 1);
	setenv("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1", 1);
	setenv("OMPI_MCA_btl", "self,vader", 1);
	setenv("OMPI_MCA_btl_vader_single_copy_mechanism", "none", 1);
	setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 1);
	setenv("OMPI_MCA_plm_rsh_agent", "", 1);
	/* The endpoint, a proxy that answers the first requests 503 and
	 * records every head, comes to the ranks by --endpoint alone. */
	unsetenv("AWS_ENDPOINT_URL");
	h_proxy_start(&p, port, 0, 2);
	p.record = fopen(scratch(heads, sizeof(heads), "heads"), "w");
	cr_assert(p.record);
	scratch(rep, sizeof(rep), "fleet.json");
	/* No retries: a 503 fails the rank that got it. */
	snprintf(args, sizeof(args), "--dir 's3://" BUCKET "/g%%r' --files 2 --file-size 6M --seed 31 --endpoint http://127.0.0.1:%d --retries 0",
		 p.port);
	cr_assert_neq(fleet(rep, args), 0, "--retries 0 did not reach the ranks");
	cr_assert(holds(scratch(path, sizeof(path), "tool.err"), "503"));
	snprintf(args, sizeof(args), "--dir 's3://" BUCKET "/f%%r' --files 2 --file-size 6M --seed 31 --stream 100 --endpoint http://127.0.0.1:%d --part-size 5M --retries 2 --verify",
		 p.port);
	__atomic_store_n(&p.failed, 0, __ATOMIC_RELAXED);
	cr_assert_eq(fleet(rep, args), 0, "the fleet failed");
	h_proxy_stop(&p);
	fclose(p.record);
	cr_assert(jq(rep, ".status == \"ok\" and .mpi.ranks == 2 and .ranks[1].targets[0].path == \"s3://" BUCKET "/f1\""));
	/* Each object went up in two parts of --part-size. */
	snprintf(cmd, sizeof(cmd), "test $(tr '\\0' '\\n' < '%s' | grep -c '^PUT /" BUCKET "/f[01]/d000/f00000[01]?partNumber=2&') = 4",
		 heads);
	cr_assert_eq(system(cmd), 0, "not four second parts");
	/* Rank r's object i holds stream 100 + 2 r + i. */
	for (unsigned int r = 0; r < 2; r++)
		for (unsigned int i = 0; i < 2; i++) {
			scratch(path, sizeof(path), "fobj");
			cr_assert_eq(aws("cp s3://" BUCKET "/f%u/d000/f%06u %s", r, i, path), 0);
			cr_assert_eq(j_equals_stdout(path, 6 * MIB, 31, 100 + 2 * r + i, 1, 1),
				     0, "rank %u object %u", r, i);
		}
}
