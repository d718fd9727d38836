// SPDX-License-Identifier: MIT
/*
 * test_objconfig.c - what a store makes of its URL and the standard
 * configuration (no server): AWS variables over profiles, the profile's
 * files, the default endpoint and its addressing, Azure connection
 * strings, and the refusals
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dgen/objstore.h>

static char home[256];

static const char *vars[] = {
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
	"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
	"AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_CONFIG_FILE",
	"AWS_SHARED_CREDENTIALS_FILE", "AWS_CA_BUNDLE",
	"AZURE_STORAGE_CONNECTION_STRING", "AZURE_STORAGE_ACCOUNT",
	"AZURE_STORAGE_KEY", "AZURE_STORAGE_SAS_TOKEN",
};

/* A clean environment and an empty HOME of this test's own. */
static void setup(void)
{
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	snprintf(home, sizeof(home), "/dev/shm/dgen-objconf-%d", (int)getpid());
	mkdir(home, 0755);
	setenv("HOME", home, 1);
}

static void teardown(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	cr_assert_eq(system(cmd), 0);
}

TestSuite(objconfig, .init = setup, .fini = teardown);

static int make(struct dgen_objstore **s, const char *url,
		const char *const *eps, unsigned int n, char *msg)
{
	struct dgen_objstore_opts o;

	dgen_objstore_opts_init(&o);
	o.url = url;
	o.endpoints = eps;
	o.nendpoints = n;
	return dgen_objstore_new(s, &o, msg, 512);
}

static void write_file(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/.aws", home);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/.aws/%s", home, name);
	f = fopen(path, "w");
	cr_assert(f);
	fputs(text, f);
	fclose(f);
}

Test(objconfig, supported)
{
	cr_assert_eq(dgen_objstore_supported(), 1);
	cr_assert(dgen_objstore_url_is("s3://b/k"));
	cr_assert(dgen_objstore_url_is("az://c"));
	cr_assert(!dgen_objstore_url_is("/dev/sda"));
	cr_assert(!dgen_objstore_url_is("gs://b"));
}

Test(objconfig, aws_environment)
{
	struct dgen_objstore_info i;
	struct dgen_objstore *s;
	char msg[512];

	setenv("AWS_ACCESS_KEY_ID", "AK", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
	setenv("AWS_DEFAULT_REGION", "us-west-1", 1);
	setenv("AWS_REGION", "eu-central-1", 1);
	setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
	setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2/", 1);
	cr_assert_eq(make(&s, "s3://bkt/some/prefix/", NULL, 0, msg), 0, "%s", msg);
	dgen_objstore_info_get(s, &i);
	cr_assert_eq(i.kind, DGEN_OBJSTORE_S3);
	cr_assert_str_eq(i.bucket, "bkt");
	cr_assert_str_eq(i.prefix, "some/prefix");
	cr_assert_str_eq(i.region, "eu-central-1");
	cr_assert_str_eq(i.credentials, "environment");
	cr_assert_eq(i.nendpoints, 1);
	cr_assert_str_eq(dgen_objstore_endpoint(s, 0), "http://127.0.0.1:2/");
	cr_assert_eq(i.path_style, 1);
	cr_assert_null(dgen_objstore_endpoint(s, 1));
	dgen_objstore_free(s);
}

Test(objconfig, aws_profile_files)
{
	struct dgen_objstore_info i;
	struct dgen_objstore *s;
	char msg[512], want[600];

	write_file("credentials",
		   "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n\n"
		   "# the one in use\n[prod]\naws_access_key_id=P\naws_secret_access_key = PS\n");
	write_file("config",
		   "[default]\nregion = us-east-2\n"
		   "[profile prod]\nregion = eu-west-3\ns3 =\n  addressing_style = path\n"
		   "endpoint_url = http://10.0.0.1:9000\n");
	setenv("AWS_PROFILE", "prod", 1);
	cr_assert_eq(make(&s, "s3://data", NULL, 0, msg), 0, "%s", msg);
	dgen_objstore_info_get(s, &i);
	snprintf(want, sizeof(want), "profile prod (%s/.aws/credentials)", home);
	cr_assert_str_eq(i.credentials, want);
	cr_assert_str_eq(i.region, "eu-west-3");
	cr_assert_str_eq(dgen_objstore_endpoint(s, 0), "http://10.0.0.1:9000");
	cr_assert_eq(i.path_style, 1);
	cr_assert_str_eq(i.prefix, "");
	dgen_objstore_free(s);

	/* The default profile, and AWS itself: virtual-hosted. */
	unsetenv("AWS_PROFILE");
	cr_assert_eq(make(&s, "s3://data/x", NULL, 0, msg), 0, "%s", msg);
	dgen_objstore_info_get(s, &i);
	cr_assert_str_eq(i.region, "us-east-2");
	cr_assert_str_eq(dgen_objstore_endpoint(s, 0), "https://s3.us-east-2.amazonaws.com");
	cr_assert_eq(i.path_style, 0);
	dgen_objstore_free(s);
	/* A bucket with dots is outside the wildcard certificate. */
	cr_assert_eq(make(&s, "s3://my.data/x", NULL, 0, msg), 0, "%s", msg);
	dgen_objstore_info_get(s, &i);
	cr_assert_eq(i.path_style, 1);
	dgen_objstore_free(s);
}

Test(objconfig, refusals)
{
	const char *bad[] = { "ftp://host" };
	const char *many[40];
	struct dgen_objstore *s;
	char msg[512];

	cr_assert_eq(make(&s, "s3://bkt/k", NULL, 0, msg), -ENOKEY);
	cr_assert(strstr(msg, "AWS_ACCESS_KEY_ID"), "%s", msg);
	cr_assert_eq(make(&s, "az://c/k", NULL, 0, msg), -ENOKEY);
	cr_assert(strstr(msg, "AZURE_STORAGE_CONNECTION_STRING"), "%s", msg);
	cr_assert_eq(make(&s, "s3:///k", NULL, 0, msg), -EINVAL);
	cr_assert_eq(make(&s, "/tmp/x", NULL, 0, msg), -EINVAL);
	setenv("AWS_ACCESS_KEY_ID", "AK", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
	cr_assert_eq(make(&s, "s3://b/k", bad, 1, msg), -EINVAL);
	cr_assert(strstr(msg, "ftp://host"), "%s", msg);
	for (int k = 0; k < 40; k++)
		many[k] = "http://127.0.0.1:1";
	cr_assert_eq(make(&s, "s3://b/k", many, 33, msg), -EINVAL);
	cr_assert_eq(make(&s, "s3://b/k", many, 32, msg), 0, "%s", msg);
	dgen_objstore_free(s);
}

Test(objconfig, azure_connection_strings)
{
	struct dgen_objstore_info i;
	struct dgen_objstore *s;
	char msg[512];

	setenv("AZURE_STORAGE_CONNECTION_STRING",
	       "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=a2V5;EndpointSuffix=core.chinacloudapi.cn", 1);
	cr_assert_eq(make(&s, "az://cont/p", NULL, 0, msg), 0, "%s", msg);
	dgen_objstore_info_get(s, &i);
	cr_assert_eq(i.kind, DGEN_OBJSTORE_AZURE);
	cr_assert_str_eq(i.account, "acct");
	cr_assert_str_eq(i.bucket, "cont");
	cr_assert_str_eq(i.credentials, "connection string");
	cr_assert_str_eq(dgen_objstore_endpoint(s, 0), "https://acct.blob.core.chinacloudapi.cn");
	dgen_objstore_free(s);

	setenv("AZURE_STORAGE_CONNECTION_STRING", "UseDevelopmentStorage=true", 1);
	cr_assert_eq(make(&s, "az://cont/p", NULL, 0, msg), 0, "%s", msg);
	dgen_objstore_info_get(s, &i);
	cr_assert_str_eq(i.account, "devstoreaccount1");
	cr_assert_str_eq(dgen_objstore_endpoint(s, 0), "http://127.0.0.1:10000/devstoreaccount1");
	dgen_objstore_free(s);

	setenv("AZURE_STORAGE_CONNECTION_STRING",
	       "BlobEndpoint=http://127.0.0.1:7/emu;SharedAccessSignature=sv=2021&sig=x", 1);
	cr_assert_eq(make(&s, "az://cont/p", NULL, 0, msg), 0, "%s", msg);
	dgen_objstore_info_get(s, &i);
	cr_assert_str_eq(i.account, "emu");
	cr_assert_str_eq(i.credentials, "connection string (SAS token)");
	dgen_objstore_free(s);

	unsetenv("AZURE_STORAGE_CONNECTION_STRING");
	setenv("AZURE_STORAGE_ACCOUNT", "acct2", 1);
	setenv("AZURE_STORAGE_SAS_TOKEN", "?sv=2021&sig=y", 1);
	cr_assert_eq(make(&s, "az://c2", NULL, 0, msg), 0, "%s", msg);
	dgen_objstore_info_get(s, &i);
	cr_assert_str_eq(dgen_objstore_endpoint(s, 0), "https://acct2.blob.core.windows.net");
	dgen_objstore_free(s);

	setenv("AZURE_STORAGE_KEY", "not base64!", 1);
	cr_assert_eq(make(&s, "az://c2", NULL, 0, msg), -EINVAL);
}

Test(objconfig, keys_and_jobs)
{
	struct dgen_objstore_job_opts o;
	struct dgen_objstore_job *j;
	struct dgen_objstore *s;
	char msg[512], key[256];

	setenv("AWS_ACCESS_KEY_ID", "AK", 1);
	setenv("AWS_SECRET_ACCESS_KEY", "SK", 1);
	cr_assert_eq(make(&s, "s3://b", NULL, 0, msg), 0, "%s", msg);
	dgen_objstore_job_opts_init(&o);
	o.tree = 1;
	o.objects = 2500;
	o.object_size = 4096;
	cr_assert_gt(dgen_objstore_key(s, &o, 1234, key, sizeof(key)), 0);
	cr_assert_str_eq(key, "d001/f001234");
	/* One object needs a key; a part size is whole MiB from 5 MiB. */
	o.tree = 0;
	o.objects = 1;
	cr_assert_eq(dgen_objstore_job_new(&j, s, &o, msg, sizeof(msg)), -EINVAL);
	cr_assert(strstr(msg, "needs a key"), "%s", msg);
	dgen_objstore_free(s);
	cr_assert_eq(make(&s, "s3://b/obj", NULL, 0, msg), 0, "%s", msg);
	o.part_size = 4u << 20;
	cr_assert_eq(dgen_objstore_job_new(&j, s, &o, msg, sizeof(msg)), -EINVAL);
	/* 100 GiB in 16 MiB parts would be 6400: fits. 1 TiB grows the
	 * part to keep within 10000. */
	o.part_size = 0;
	o.object_size = 1ull << 40;
	cr_assert_eq(dgen_objstore_job_new(&j, s, &o, msg, sizeof(msg)), 0, "%s", msg);
	{
		struct dgen_objstore_plan p;

		dgen_objstore_job_plan(j, &p);
		cr_assert_leq(p.parts, DGEN_OBJSTORE_PARTS_MAX);
		cr_assert_eq(p.part_size % (1u << 20), 0);
		cr_assert_eq(p.part_size, 105ull << 20);
		cr_assert_eq(p.memory, 8 * DGEN_OBJSTORE_CHUNK);
	}
	dgen_objstore_job_free(j);
	dgen_objstore_free(s);
}
