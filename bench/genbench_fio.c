// SPDX-License-Identifier: MIT
/*
 * genbench_fio.c - dgen-genbench's other side: fio's own generator on the
 * null engine at a dedup and compression ratio, and its bandwidth read
 * from fio's JSON output (genbench_fio.h)
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "genbench_fio.h"

#define FIO_SIZE		"1G"	/* looped over with --time_based */
#define FIO_COMPRESS_CHUNK	4096

/* Read all of @f into a NUL-terminated heap string. */
static int read_all(FILE *f, char **out)
{
	size_t len = 0, cap = 16384;
	char *buf = malloc(cap), *nbuf;
	size_t n;

	if (!buf)
		return -ENOMEM;
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			nbuf = realloc(buf, cap * 2);
			if (!nbuf) {
				free(buf);
				return -ENOMEM;
			}
			buf = nbuf;
			cap *= 2;
		}
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

/* The unsigned number after "@key" : in @from, or -1 when absent. */
static double json_number(const char *from, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = strstr(from, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	p += strspn(p, " \t\n");
	if (*p++ != ':')
		return -1;
	return strtod(p, NULL);
}

/*
 * fio_parse_write_bw - the write bandwidth in @json, fio's
 * --output-format=json. Not a JSON parser: fio's layout is fixed (one job,
 * "write" : { "io_bytes", ..., "bw_bytes", ..., "runtime" (ms) ... }), and
 * the key "write" followed by an object occurs once; "rw" : "write" among
 * the job options is a value and is skipped. bw_bytes is fio's own
 * io_bytes * 1000 / runtime; if it is missing, that is computed here.
 */
static int fio_parse_write_bw(const char *json, double *bps)
{
	const char *p = json;
	double bw, io, ms;

	while ((p = strstr(p, "\"write\""))) {
		p += strlen("\"write\"");
		p += strspn(p, " \t\n");
		if (*p != ':')
			continue;
		p++;
		p += strspn(p, " \t\n");
		if (*p == '{')
			break;
	}
	if (!p)
		return -EINVAL;
	if (json_number(json, "error") > 0)
		return -EIO;
	bw = json_number(p, "bw_bytes");
	if (bw > 0) {
		*bps = bw;
		return 0;
	}
	io = json_number(p, "io_bytes");
	ms = json_number(p, "runtime");
	if (io <= 0 || ms <= 0)
		return -EINVAL;
	*bps = io * 1000 / ms;
	return 0;
}

int fio_version(char *out, size_t outlen)
{
	FILE *f = popen("fio --version 2>/dev/null", "r");
	int status;

	if (!f)
		return -errno;
	if (!fgets(out, (int)outlen, f))
		out[0] = '\0';
	status = pclose(f);
	out[strcspn(out, "\n")] = '\0';
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    strncmp(out, "fio-", 4))
		return -ENOENT;
	return 0;
}

/* round(100 * (1 - 1/r)): the share of fio's data that is zero or repeated. */
static unsigned int fio_percent(double r)
{
	return (unsigned int)lround(100.0 * (1.0 - 1.0 / r));
}

int fio_rate(double d, double c, double secs, double *bps)
{
	char cmd[512], extra[160] = "";
	unsigned int cp = fio_percent(c), dp = fio_percent(d);
	const char *why;
	size_t n = 0;
	char *json;
	FILE *f;
	int r, status;

	if (cp)
		n += (size_t)snprintf(extra + n, sizeof(extra) - n,
				      " --buffer_compress_percentage=%u --buffer_compress_chunk=%u",
				      cp, FIO_COMPRESS_CHUNK);
	if (dp)
		snprintf(extra + n, sizeof(extra) - n,
			 " --dedupe_percentage=%u", dp);
	snprintf(cmd, sizeof(cmd),
		 "fio --name=gen --ioengine=null --rw=write --bs=%s --size=%s"
		 " --time_based --runtime=%ldms --refill_buffers%s"
		 " --output-format=json",
		 FIO_BS, FIO_SIZE, lround(secs * 1000), extra);

	fflush(stdout);
	f = popen(cmd, "r");
	if (!f) {
		r = -errno;
		why = strerror(-r);
		goto err;
	}
	r = read_all(f, &json);
	status = pclose(f);
	if (r) {
		why = strerror(-r);
		goto err;
	}
	if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		r = -EIO;
		why = "fio failed (its messages are above)";
	} else {
		r = fio_parse_write_bw(json, bps);
		why = r == -EIO ? "fio reports a job error" :
		      "no write bandwidth in fio's JSON output";
	}
	free(json);
	if (r)
		goto err;
	return 0;
err:
	fprintf(stderr, "dgen-genbench: %s: %s; no fio figures for d=%g c=%g\n",
		cmd, why, d, c);
	return r;
}
