// SPDX-License-Identifier: MIT
/*
 * objstore_config.c - a store from its URL and the standard configuration
 *
 * S3 follows the AWS CLI's order (docs.aws.amazon.com, "Configuration
 * and credential file settings"): credentials from AWS_ACCESS_KEY_ID and
 * AWS_SECRET_ACCESS_KEY (with AWS_SESSION_TOKEN), else from the profile
 * AWS_PROFILE (default "default") of the shared credentials file, then of
 * the config file ([profile NAME] there, [NAME] in credentials); region
 * from AWS_REGION, AWS_DEFAULT_REGION, the profile, else us-east-1; the
 * endpoint from AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's
 * endpoint_url, else AWS itself. Azure follows the az CLI's variables: a
 * connection string (Microsoft's "Configure Azure Storage connection
 * strings": AccountName, AccountKey, BlobEndpoint, EndpointSuffix,
 * DefaultEndpointsProtocol, SharedAccessSignature, UseDevelopmentStorage),
 * or an account with a key or a SAS token.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include <dgen/tree.h>

#include "objstore_impl.h"
#include "refuse.h"

/* Azurite's and the storage emulator's published account. */
#define DEV_ACCOUNT	"devstoreaccount1"
#define DEV_KEY		"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
#define DEV_ENDPOINT	"http://127.0.0.1:10000/" DEV_ACCOUNT

void dgen_objstore_opts_init(struct dgen_objstore_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->retries = DGEN_OBJSTORE_RETRIES_DEFAULT;
	o->io_timeout_s = 30.0;
}

int dgen_objstore_supported(void)
{
	return 1;
}

int dgen_objstore_url_is(const char *s)
{
	return s && (!strncmp(s, "s3://", 5) || !strncmp(s, "az://", 5));
}

static char *dup_env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? strdup(v) : NULL;
}

/* ===== INI files (~/.aws) ===== */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && strchr(" \t\r\n", e[-1]))
		*--e = 0;
	return s;
}

/*
 * The value of @key in section @section of the INI file @path, or NULL.
 * Indented lines belong to a nested setting ("s3 =" and its lines) and
 * are skipped.
 */
static char *ini_get(const char *path, const char *section, const char *key)
{
	FILE *f = fopen(path, "re");
	char line[1024], *val = NULL;
	int in = 0;

	if (!f)
		return NULL;
	while (!val && fgets(line, sizeof(line), f)) {
		char *l, *eq;

		if (line[0] == ' ' || line[0] == '\t')
			continue;
		l = trim(line);
		if (*l == '#' || *l == ';' || !*l)
			continue;
		if (*l == '[') {
			char *end = strchr(l, ']');

			if (end)
				*end = 0;
			in = !strcmp(trim(l + 1), section);
			continue;
		}
		eq = strchr(l, '=');
		if (!in || !eq)
			continue;
		*eq = 0;
		if (!strcmp(trim(l), key) && *trim(eq + 1))
			val = strdup(trim(eq + 1));
	}
	fclose(f);
	return val;
}

static void aws_path(char *buf, size_t len, const char *env, const char *name)
{
	const char *v = getenv(env), *home = getenv("HOME");
	struct passwd *pw;

	if (v && *v) {
		snprintf(buf, len, "%s", v);
		return;
	}
	if (!home || !*home) {
		pw = getpwuid(getuid());
		home = pw ? pw->pw_dir : "/";
	}
	snprintf(buf, len, "%s/.aws/%s", home, name);
}

/* @key of the profile: credentials file first (for keys), then config. */
static char *profile_get(const char *profile, const char *key, int creds_first)
{
	char cred[4096], conf[4096], sect[512];
	char *v = NULL;

	aws_path(cred, sizeof(cred), "AWS_SHARED_CREDENTIALS_FILE", "credentials");
	aws_path(conf, sizeof(conf), "AWS_CONFIG_FILE", "config");
	if (creds_first)
		v = ini_get(cred, profile, key);
	if (!v) {
		if (strcmp(profile, "default"))
			snprintf(sect, sizeof(sect), "profile %s", profile);
		else
			snprintf(sect, sizeof(sect), "default");
		v = ini_get(conf, sect, key);
	}
	return v;
}

/* ===== S3 ===== */

static int s3_config(struct dgen_objstore *s, char *msg, size_t msglen)
{
	const char *profile = getenv("AWS_PROFILE");
	char where[4400];

	if (!profile || !*profile)
		profile = "default";
	s->access_key = dup_env("AWS_ACCESS_KEY_ID");
	s->secret_key = dup_env("AWS_SECRET_ACCESS_KEY");
	if (s->access_key && s->secret_key) {
		s->token = dup_env("AWS_SESSION_TOKEN");
		s->credentials = strdup("environment");
	} else {
		free(s->access_key);
		free(s->secret_key);
		s->access_key = profile_get(profile, "aws_access_key_id", 1);
		s->secret_key = profile_get(profile, "aws_secret_access_key", 1);
		s->token = profile_get(profile, "aws_session_token", 1);
		aws_path(where, sizeof(where) - 64, "AWS_SHARED_CREDENTIALS_FILE",
			 "credentials");
		if (s->access_key && s->secret_key) {
			char buf[4600];

			snprintf(buf, sizeof(buf), "profile %s (%s)", profile, where);
			s->credentials = strdup(buf);
		}
	}
	if (!s->access_key || !s->secret_key)
		return dgen_refuse(-ENOKEY, msg, msglen,
				   "no S3 credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or give profile %s in ~/.aws/credentials",
				   profile);
	s->region = dup_env("AWS_REGION");
	if (!s->region)
		s->region = dup_env("AWS_DEFAULT_REGION");
	if (!s->region)
		s->region = profile_get(profile, "region", 0);
	if (!s->region)
		s->region = strdup("us-east-1");
	s->ca_file = dup_env("AWS_CA_BUNDLE");
	if (!s->nendpoints) {
		char *ep = dup_env("AWS_ENDPOINT_URL_S3");

		if (!ep)
			ep = dup_env("AWS_ENDPOINT_URL");
		if (!ep)
			ep = profile_get(profile, "endpoint_url", 0);
		if (ep) {
			s->path_style = 1;
		} else if (asprintf(&ep, "https://s3.%s.amazonaws.com",
				    s->region) < 0) {
			ep = NULL;
		}
		s->endpoints[s->nendpoints++] = ep;
	} else {
		s->path_style = 1;
	}
	/* AWS itself: virtual-hosted names, except buckets with dots, which
	 * the wildcard certificate does not cover. */
	if (!s->path_style && strchr(s->bucket, '.'))
		s->path_style = 1;
	if (asprintf(&s->sigv4, "aws:amz:%s:s3", s->region) < 0)
		s->sigv4 = NULL;
	if (asprintf(&s->userpwd, "%s:%s", s->access_key, s->secret_key) < 0)
		s->userpwd = NULL;
	return 0;
}

/* ===== Azure ===== */

/* The value of @name in a connection string, or NULL. */
static char *conn_get(const char *cs, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = cs; p && *p; p = strchr(p, ';') ? strchr(p, ';') + 1 : NULL) {
		const char *end = strchr(p, ';');

		if (!strncasecmp(p, name, n) && p[n] == '=')
			return strndup(p + n + 1, end ? (size_t)(end - p - n - 1) :
					     strlen(p + n + 1));
	}
	return NULL;
}

static int azure_key(struct dgen_objstore *s, const char *b64, char *msg,
		     size_t msglen)
{
	size_t n = strlen(b64);
	int len;

	s->key = malloc(n + 1);
	if (!s->key)
		return -ENOMEM;
	len = EVP_DecodeBlock(s->key, (const unsigned char *)b64, (int)n);
	if (len < 0 || n % 4)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "the Azure account key is not base64");
	/* EVP_DecodeBlock counts the padding's zero bytes. */
	while (n && b64[n - 1] == '=') {
		n--;
		len--;
	}
	s->keylen = (size_t)len;
	return 0;
}

static int azure_conn(struct dgen_objstore *s, const char *cs, char **ep,
		      char *msg, size_t msglen)
{
	char *dev = conn_get(cs, "UseDevelopmentStorage"), *key, *proto, *sfx;
	int err = 0;

	if (dev && !strcasecmp(dev, "true")) {
		s->account = strdup(DEV_ACCOUNT);
		*ep = strdup(DEV_ENDPOINT);
		free(dev);
		return azure_key(s, DEV_KEY, msg, msglen);
	}
	free(dev);
	s->account = conn_get(cs, "AccountName");
	s->sas = conn_get(cs, "SharedAccessSignature");
	*ep = conn_get(cs, "BlobEndpoint");
	key = conn_get(cs, "AccountKey");
	if (key)
		err = azure_key(s, key, msg, msglen);
	free(key);
	if (!err && !*ep && s->account) {
		proto = conn_get(cs, "DefaultEndpointsProtocol");
		sfx = conn_get(cs, "EndpointSuffix");
		if (asprintf(ep, "%s://%s.blob.%s", proto ? proto : "https",
			     s->account, sfx ? sfx : "core.windows.net") < 0)
			*ep = NULL;
		free(proto);
		free(sfx);
	}
	return err;
}

/* The account of a blob endpoint's URL: the host's first label, or the
 * path's first segment for an emulator (http://127.0.0.1:10000/ACCOUNT). */
static char *account_of(const char *ep)
{
	const char *h = strstr(ep, "://"), *slash, *dot;

	if (!h)
		return NULL;
	h += 3;
	slash = strchr(h, '/');
	if (slash && slash[1])
		return strndup(slash + 1, strcspn(slash + 1, "/"));
	dot = strchr(h, '.');
	return dot ? strndup(h, (size_t)(dot - h)) : NULL;
}

static int azure_config(struct dgen_objstore *s, char *msg, size_t msglen)
{
	char *cs = dup_env("AZURE_STORAGE_CONNECTION_STRING"), *ep = NULL, *k;
	int err = 0;

	if (cs) {
		err = azure_conn(s, cs, &ep, msg, msglen);
		s->credentials = strdup(s->sas ? "connection string (SAS token)" :
					"connection string");
		free(cs);
	} else {
		s->account = dup_env("AZURE_STORAGE_ACCOUNT");
		k = dup_env("AZURE_STORAGE_KEY");
		s->sas = dup_env("AZURE_STORAGE_SAS_TOKEN");
		if (k)
			err = azure_key(s, k, msg, msglen);
		free(k);
		s->credentials = strdup(s->key ? "AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_KEY" :
					"AZURE_STORAGE_ACCOUNT and AZURE_STORAGE_SAS_TOKEN");
		if (s->account && asprintf(&ep, "https://%s.blob.core.windows.net",
					   s->account) < 0)
			ep = NULL;
	}
	if (err) {
		free(ep);
		return err;
	}
	if (s->sas && s->sas[0] == '?')
		memmove(s->sas, s->sas + 1, strlen(s->sas));
	if (!s->nendpoints && ep)
		s->endpoints[s->nendpoints++] = ep;
	else
		free(ep);
	if (!s->account && s->nendpoints)
		s->account = account_of(s->endpoints[0]);
	if (!s->account || (!s->key && !s->sas) || !s->nendpoints)
		return dgen_refuse(-ENOKEY, msg, msglen,
				   "no Azure credentials: set AZURE_STORAGE_CONNECTION_STRING, or AZURE_STORAGE_ACCOUNT with AZURE_STORAGE_KEY or AZURE_STORAGE_SAS_TOKEN");
	return 0;
}

/* ===== The store ===== */

static int parse_url(struct dgen_objstore *s, const char *url, char *msg,
		     size_t msglen)
{
	const char *b = url + 5, *slash = strchr(b, '/');
	size_t blen = slash ? (size_t)(slash - b) : strlen(b);

	s->kind = url[0] == 's' ? DGEN_OBJSTORE_S3 : DGEN_OBJSTORE_AZURE;
	if (!blen || blen > 255)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "%s: no bucket or container name", url);
	s->bucket = strndup(b, blen);
	/* A prefix keeps no trailing slash: tree keys add their own. */
	s->prefix = strdup(slash ? slash + 1 : "");
	if (s->prefix)
		for (size_t n = strlen(s->prefix); n && s->prefix[n - 1] == '/'; n--)
			s->prefix[n - 1] = 0;
	return s->bucket && s->prefix ? 0 : -ENOMEM;
}

static int add_endpoints(struct dgen_objstore *s,
			 const struct dgen_objstore_opts *o, char *msg,
			 size_t msglen)
{
	if (o->nendpoints > DGEN_OBJSTORE_ENDPOINTS_MAX)
		return dgen_refuse(-EINVAL, msg, msglen,
				   "%u endpoints: at most %u", o->nendpoints,
				   DGEN_OBJSTORE_ENDPOINTS_MAX);
	for (unsigned int k = 0; k < o->nendpoints; k++) {
		const char *e = o->endpoints[k];
		size_t n = strlen(e);

		if (strncmp(e, "http://", 7) && strncmp(e, "https://", 8))
			return dgen_refuse(-EINVAL, msg, msglen,
					   "endpoint %s: not an http:// or https:// URL", e);
		while (n && e[n - 1] == '/')
			n--;
		s->endpoints[s->nendpoints] = strndup(e, n);
		if (!s->endpoints[s->nendpoints++])
			return -ENOMEM;
	}
	return 0;
}

int dgen_objstore_new(struct dgen_objstore **out,
		      const struct dgen_objstore_opts *o,
		      char *msg, size_t msglen)
{
	struct dgen_objstore *s;
	int err;

	*out = NULL;
	if (!dgen_objstore_url_is(o->url))
		return dgen_refuse(-EINVAL, msg, msglen,
				   "%s: an object store is s3://BUCKET/PREFIX or az://CONTAINER/PREFIX",
				   o->url ? o->url : "(none)");
	if (!(o->io_timeout_s > 0))
		return dgen_refuse(-EINVAL, msg, msglen,
				   "the I/O timeout must be positive for an object store");
	s = calloc(1, sizeof(*s));
	if (!s || !(s->endpoints = calloc(DGEN_OBJSTORE_ENDPOINTS_MAX + 1,
					  sizeof(*s->endpoints)))) {
		free(s);
		return dgen_refuse(-ENOMEM, msg, msglen, "out of memory");
	}
	s->retries = o->retries;
	s->io_timeout_s = o->io_timeout_s;
	s->stall_s = o->stall_s > o->io_timeout_s ? o->stall_s : o->io_timeout_s;
	s->flags = o->flags;
	err = parse_url(s, o->url, msg, msglen);
	if (!err)
		err = add_endpoints(s, o, msg, msglen);
	if (!err)
		err = s->kind == DGEN_OBJSTORE_S3 ? s3_config(s, msg, msglen) :
		      azure_config(s, msg, msglen);
	if (!err && (!s->credentials || !s->endpoints[0] ||
		     (s->kind == DGEN_OBJSTORE_S3 && (!s->sigv4 || !s->userpwd))))
		err = dgen_refuse(-ENOMEM, msg, msglen, "out of memory");
	if (err) {
		dgen_objstore_free(s);
		return err;
	}
	curl_global_init(CURL_GLOBAL_ALL);
	*out = s;
	return 0;
}

void dgen_objstore_free(struct dgen_objstore *s)
{
	if (!s)
		return;
	for (unsigned int k = 0; s->endpoints && k < s->nendpoints; k++)
		free(s->endpoints[k]);
	free(s->endpoints);
	free(s->bucket);
	free(s->prefix);
	free(s->region);
	free(s->access_key);
	if (s->secret_key)
		memset(s->secret_key, 0, strlen(s->secret_key));
	free(s->secret_key);
	free(s->token);
	free(s->sigv4);
	if (s->userpwd)
		memset(s->userpwd, 0, strlen(s->userpwd));
	free(s->userpwd);
	free(s->account);
	if (s->key)
		memset(s->key, 0, s->keylen);
	free(s->key);
	free(s->sas);
	free(s->credentials);
	free(s->ca_file);
	free(s);
}

void dgen_objstore_info_get(const struct dgen_objstore *s,
			    struct dgen_objstore_info *out)
{
	*out = (struct dgen_objstore_info) {
		.kind = s->kind, .bucket = s->bucket, .prefix = s->prefix,
		.region = s->region, .account = s->account,
		.credentials = s->credentials, .nendpoints = s->nendpoints,
		.path_style = s->path_style,
	};
}

const char *dgen_objstore_endpoint(const struct dgen_objstore *s,
				   unsigned int k)
{
	return k < s->nendpoints ? s->endpoints[k] : NULL;
}

int os_key_of(const struct dgen_objstore *s, int tree, uint32_t fanout,
	      uint64_t i, const char *suffix, char *buf, size_t len)
{
	int n;

	if (!tree) {
		n = snprintf(buf, len, "%s", s->prefix);
		return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : n;
	}
	/* A tree at the bucket's top has keys d000/f000000. */
	if (!*s->prefix) {
		n = dgen_tree_path(buf, len, ".", fanout, i, suffix);
		if (n < 0)
			return n;
		memmove(buf, buf + 2, (size_t)n - 1);
		return n - 2;
	}
	return dgen_tree_path(buf, len, s->prefix, fanout, i, suffix);
}

const char *os_suffix(const struct dgen_objstore_job_opts *o)
{
	const char *s = o->tree ? dgen_format_suffix(o->format) : NULL;

	return s ? s : "";
}

int dgen_objstore_key(const struct dgen_objstore *s,
		      const struct dgen_objstore_job_opts *o, uint64_t i,
		      char *buf, size_t len)
{
	return os_key_of(s, o->tree, o->fanout ? o->fanout :
			 DGEN_TREE_FANOUT_DEFAULT, i, os_suffix(o), buf, len);
}

void os_base64(char *out, const unsigned char *in, size_t n)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}
