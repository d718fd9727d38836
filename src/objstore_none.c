// SPDX-License-Identifier: MIT
/*
 * objstore_none.c - dgen/objstore.h in a libdgen built without libcurl or
 * libcrypto (the meson feature objstore): the same symbols, each refusing
 * with -EOPNOTSUPP, so programs link alike against either build and ask
 * dgen_objstore_supported() what they got.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <dgen/objstore.h>

#define NONE	"this libdgen was built without object stores (libcurl and libcrypto)"

void dgen_objstore_opts_init(struct dgen_objstore_opts *o)
{
	memset(o, 0, sizeof(*o));
}

int dgen_objstore_supported(void)
{
	return 0;
}

int dgen_objstore_url_is(const char *s)
{
	return s && (!strncmp(s, "s3://", 5) || !strncmp(s, "az://", 5));
}

int dgen_objstore_new(struct dgen_objstore **out,
		      const struct dgen_objstore_opts *o,
		      char *msg, size_t msglen)
{
	(void)o;
	*out = NULL;
	snprintf(msg, msglen, NONE);
	return -EOPNOTSUPP;
}

void dgen_objstore_free(struct dgen_objstore *s)
{
	(void)s;
}

void dgen_objstore_info_get(const struct dgen_objstore *s,
			    struct dgen_objstore_info *out)
{
	(void)s;
	memset(out, 0, sizeof(*out));
}

const char *dgen_objstore_endpoint(const struct dgen_objstore *s,
				   unsigned int k)
{
	(void)s;
	(void)k;
	return NULL;
}

void dgen_objstore_job_opts_init(struct dgen_objstore_job_opts *o)
{
	memset(o, 0, sizeof(*o));
}

int dgen_objstore_key(const struct dgen_objstore *s,
		      const struct dgen_objstore_job_opts *o, uint64_t i,
		      char *buf, size_t len)
{
	(void)s, (void)o, (void)i, (void)buf, (void)len;
	return -EOPNOTSUPP;
}

int dgen_objstore_prepare(struct dgen_objstore *s,
			  const struct dgen_objstore_job_opts *o,
			  unsigned int flags, char *msg, size_t msglen)
{
	(void)s, (void)o, (void)flags;
	snprintf(msg, msglen, NONE);
	return -EOPNOTSUPP;
}

const char *dgen_objstore_bad_name(enum dgen_objstore_bad_kind k)
{
	static const char *const n[] = { "missing", "short", "long", "content",
					  "framing" };

	return (unsigned int)k < DGEN_OBJSTORE_BAD_KINDS ? n[k] : NULL;
}

int dgen_objstore_job_new(struct dgen_objstore_job **out,
			  struct dgen_objstore *s,
			  const struct dgen_objstore_job_opts *o,
			  char *msg, size_t msglen)
{
	(void)s, (void)o;
	*out = NULL;
	snprintf(msg, msglen, NONE);
	return -EOPNOTSUPP;
}

/* No job is ever made, so the calls below are never reached with one. */
void dgen_objstore_job_plan(const struct dgen_objstore_job *j,
			    struct dgen_objstore_plan *out)
{
	(void)j;
	memset(out, 0, sizeof(*out));
}

int dgen_objstore_job_start(struct dgen_objstore_job *j, char *msg,
			    size_t msglen)
{
	(void)j;
	snprintf(msg, msglen, NONE);
	return -EOPNOTSUPP;
}

void dgen_objstore_job_stop(struct dgen_objstore_job *j) { (void)j; }
void dgen_objstore_job_abort(struct dgen_objstore_job *j) { (void)j; }
void dgen_objstore_job_free(struct dgen_objstore_job *j) { (void)j; }

unsigned int dgen_objstore_job_running(const struct dgen_objstore_job *j)
{
	(void)j;
	return 0;
}

uint64_t dgen_objstore_job_bytes(const struct dgen_objstore_job *j)
{
	(void)j;
	return 0;
}

uint64_t dgen_objstore_job_mismatches(const struct dgen_objstore_job *j)
{
	(void)j;
	return 0;
}

int dgen_objstore_job_sample(const struct dgen_objstore_job *j,
			     unsigned int k, struct dgen_objstore_stats *out)
{
	(void)j, (void)k;
	memset(out, 0, sizeof(*out));
	return -EOPNOTSUPP;
}

void dgen_objstore_job_outstanding(const struct dgen_objstore_job *j,
				   struct dgen_io_outstanding *out,
				   uint64_t *objects)
{
	(void)j, (void)out, (void)objects;
}

void dgen_objstore_job_wait(struct dgen_objstore_job *j,
			    struct dgen_objstore_result *res)
{
	(void)j;
	memset(res, 0, sizeof(*res));
}
