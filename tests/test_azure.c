// SPDX-License-Identifier: MIT
/*
 * test_azure.c - blobs written and verified by libdgen on a real Azure
 * Blob server (Azurite, which checks SharedKey signatures), read back and
 * replaced with a real client (Debian's Azure SDK for Python, run by
 * /usr/bin/python3)
 *
 *   tree_equals_stdout     each blob equals --stdout of its stream; the
 *                          keys refused a second time
 *   block_list_exact       a 96 MiB blob of 12 blocks, byte for byte
 *   verify_finds_replaced  verify clean, then a blob replaced through the
 *                          SDK is named, with its kind
 *   server_killed          Azurite killed mid-job ends it within the I/O
 *                          timeout
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "objstore_jobs.h"

#define CONT		"dgen-test"
#define PY		"/usr/bin/python3"

static char conn[512];

static int az_start(void)
{
	int port, slot, rc;
	char cmd[2048];

	if (access(PY, X_OK) ||
	    system(PY " -c 'import azure.storage.blob' 2>/dev/null"))
		cr_skip_test("Debian's Azure SDK for Python (python3-azure-storage) is absent: it reads the blobs back");
	slot = h_azurite(&port);
	snprintf(conn, sizeof(conn),
		 "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=" AZ_KEY
		 ";BlobEndpoint=http://127.0.0.1:%d/devstoreaccount1;", port);
	setenv("AZURE_STORAGE_CONNECTION_STRING", conn, 1);
	unsetenv("AZURE_STORAGE_ACCOUNT");
	unsetenv("AZURE_STORAGE_KEY");
	unsetenv("AZURE_STORAGE_SAS_TOKEN");
	snprintf(cmd, sizeof(cmd),
		 "env -i PATH=/usr/bin:/bin " PY " -c \"from azure.storage.blob import BlobServiceClient as B; "
		 "B.from_connection_string('%s').create_container('" CONT "')\"", conn);
	rc = system(cmd);
	cr_assert_eq(rc, 0, "the SDK could not make the container");
	return slot;
}

/* Run the SDK: download blob @name to @path, or upload @path as @name. */
static int sdk(const char *op, const char *name, const char *path)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "env -i PATH=/usr/bin:/bin " PY " -c \"import sys; from azure.storage.blob import BlobServiceClient as B; "
		 "c = B.from_connection_string('%s').get_blob_client('" CONT "', sys.argv[1]); "
		 "%s\" '%s' '%s'", conn,
		 !strcmp(op, "get") ?
		 "open(sys.argv[2], 'wb').write(c.download_blob().readall())" :
		 "c.upload_blob(open(sys.argv[2], 'rb').read(), overwrite=True)",
		 name, path);
	return system(cmd);
}

TestSuite(azure, .fini = h_cleanup, .timeout = 600);

Test(azure, tree_equals_stdout)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore *s;
	char path[512], key[512], msg[512];

	az_start();
	s = j_store("az://" CONT "/t", NULL, 0, 0);
	j_opts(&o, DGEN_MODE_WRITE, 7, 200 * 1024 + 17, 31);
	o.params.stream_id = 3;
	o.params.dedup_ratio = 3;
	j_write(s, &o);
	for (uint64_t i = 0; i < o.objects; i++) {
		cr_assert_gt(dgen_objstore_key(s, &o, i, key, sizeof(key)), 0);
		snprintf(path, sizeof(path), "%s/blob%llu", h_scratch_dir(),
			 (unsigned long long)i);
		cr_assert_eq(sdk("get", key, path), 0, "download %s", key);
		cr_assert_eq(j_equals_stdout(path, o.object_size, 31, 3 + i, 3, 1),
			     0, "blob %s", key);
	}
	cr_assert_eq(dgen_objstore_prepare(s, &o, 0, msg, sizeof(msg)), -EEXIST);
	cr_assert(strstr(msg, "az://" CONT "/t/d000/f000000 exists"), "%s", msg);
	dgen_objstore_free(s);
}

Test(azure, block_list_exact)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore_result res;
	struct dgen_objstore_job *j;
	struct dgen_objstore *s;
	char path[512];

	az_start();
	s = j_store("az://" CONT "/big", NULL, 0, 0);
	j_opts(&o, DGEN_MODE_WRITE, 1, 96 * MIB, 12);
	o.params.compress_ratio = 2;
	j_write(s, &o);
	snprintf(path, sizeof(path), "%s/big", h_scratch_dir());
	cr_assert_eq(sdk("get", "big", path), 0);
	cr_assert_eq(j_equals_stdout(path, o.object_size, 12, 0, 1, 2), 0);
	unlink(path);
	o.mode = DGEN_MODE_VERIFY;
	j = j_run(s, &o, &res);
	cr_assert_eq(res.error, 0, "%s", res.error_msg);
	cr_assert_eq(res.requests, 12);
	cr_assert_eq(res.mismatches + res.bad_objects, 0);
	dgen_objstore_job_free(j);
	dgen_objstore_free(s);
}

Test(azure, verify_finds_replaced)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore_result res;
	struct dgen_objstore_job *j;
	struct dgen_objstore *s;
	char path[512], key[512];
	FILE *f;

	az_start();
	s = j_store("az://" CONT "/v", NULL, 0, 0);
	j_opts(&o, DGEN_MODE_WRITE, 6, 128 * 1024, 4);
	j_write(s, &o);
	o.mode = DGEN_MODE_VERIFY;
	j = j_run(s, &o, &res);
	cr_assert_eq(res.error, 0, "%s", res.error_msg);
	cr_assert_eq(res.mismatches + res.bad_objects, 0);
	dgen_objstore_job_free(j);
	/* Blob 4 gets zeros in its third 4 KiB block, through the SDK. */
	cr_assert_gt(dgen_objstore_key(s, &o, 4, key, sizeof(key)), 0);
	snprintf(path, sizeof(path), "%s/b4", h_scratch_dir());
	cr_assert_eq(sdk("get", key, path), 0);
	f = fopen(path, "r+b");
	cr_assert(f);
	fseek(f, 8192, SEEK_SET);
	for (int i = 0; i < 4096; i++)
		fputc(0, f);
	fclose(f);
	cr_assert_eq(sdk("put", key, path), 0);
	j = j_run(s, &o, &res);
	cr_assert_eq(res.error, 0, "%s", res.error_msg);
	cr_assert_eq(res.bad_objects, 1);
	cr_assert_eq(res.bad[0].object, 4);
	cr_assert_eq(res.bad[0].kind, DGEN_OBJSTORE_CONTENT);
	cr_assert_eq(res.bad[0].offset, 8192);
	cr_assert_eq(res.bad[0].block_kind, DGEN_MISMATCH_ZEROED);
	cr_assert_eq(res.mismatches, 1);
	cr_assert_eq(res.report[0].target, 4);
	cr_assert_eq(res.report[0].offset, 8192);
	dgen_objstore_job_free(j);
	dgen_objstore_free(s);
}

Test(azure, server_killed)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore_result res;
	struct dgen_objstore_job *j;
	struct dgen_objstore *s;
	int slot = az_start();
	char msg[512];
	double t;

	s = j_store("az://" CONT "/dies", NULL, 0, 3);
	j_opts(&o, DGEN_MODE_WRITE, 64, 1 * MIB, 6);
	o.rate = 8 * MIB;
	cr_assert_eq(dgen_objstore_job_new(&j, s, &o, msg, sizeof(msg)), 0, "%s", msg);
	cr_assert_eq(dgen_objstore_job_start(j, msg, sizeof(msg)), 0, "%s", msg);
	sleep(1);
	cr_assert(dgen_objstore_job_running(j));
	h_kill(slot);
	t = h_now();
	while (dgen_objstore_job_running(j) && h_now() - t < 60)
		usleep(10000);
	t = h_now() - t;
	dgen_objstore_job_wait(j, &res);
	cr_log_info("the job ended %.2f s after Azurite was killed", t);
	cr_assert_lt(t, 3 + 10);
	cr_assert(res.error == -ECONNREFUSED || res.error == -ECONNRESET,
		  "error %d: %s", res.error, res.error_msg);
	cr_assert(strstr(res.error_msg, CONT "/dies/d0"), "%s", res.error_msg);
	dgen_objstore_job_free(j);
	dgen_objstore_free(s);
}
