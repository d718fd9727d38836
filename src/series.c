// SPDX-License-Identifier: MIT
/*
 * series.c - per-target interval rows, their JSON-lines log and its reader
 *
 * The reader takes only what the writer here writes (flat objects of
 * strings, numbers and null), which is enough to redraw a run from its
 * log; it is no general JSON parser.
 */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <dgen/report.h>
#include <dgen/series.h>

#include "refuse.h"

const char *dgen_phase_name(enum dgen_phase ph)
{
	return ph == DGEN_PHASE_WRITE ? "write" :
	       ph == DGEN_PHASE_VERIFY ? "verify" : NULL;
}

int dgen_series_new(struct dgen_series **out, const char *const *names,
		    unsigned int n)
{
	struct dgen_series *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->names = calloc(n ? n : 1, sizeof(*s->names));
	if (!s->names)
		goto nomem;
	for (unsigned int k = 0; k < n; k++) {
		s->names[k] = strdup(names[k]);
		if (!s->names[k])
			goto nomem;
		s->ntargets = k + 1;
	}
	*out = s;
	return 0;
nomem:
	dgen_series_free(s);
	return -ENOMEM;
}

void dgen_series_free(struct dgen_series *s)
{
	if (!s)
		return;
	for (unsigned int k = 0; k < s->ntargets; k++)
		free(s->names[k]);
	free(s->names);
	free(s->rows);
	free(s->events);
	free(s);
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t c = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (c < need)
		c *= 2;
	q = realloc(*p, c * size);
	if (!q)
		return -ENOMEM;
	*p = q;
	*cap = c;
	return 0;
}

int dgen_series_add(struct dgen_series *s, const struct dgen_series_row *r)
{
	if (grow((void **)&s->rows, &s->cap, s->nrows + 1, sizeof(*r)))
		return -ENOMEM;
	s->rows[s->nrows++] = *r;
	return 0;
}

int dgen_series_add_event(struct dgen_series *s,
			  const struct dgen_series_event *e)
{
	if (grow((void **)&s->events, &s->ecap, s->nevents + 1, sizeof(*e)))
		return -ENOMEM;
	s->events[s->nevents++] = *e;
	return 0;
}

int dgen_series_log_row(FILE *f, const struct dgen_series *s,
			const struct dgen_series_row *r)
{
	fprintf(f, "{\"time\": %.6f, \"target\": ", r->t);
	dgen_json_string(f, s->names[r->target]);
	fprintf(f, ", \"phase\": \"%s\", \"pass\": %llu, \"interval_s\": %.6f, \"bytes\": %llu, \"bytes_total\": %llu, \"gbps\": %.6f, \"iops\": %.1f, \"lat_p50_us\": %.1f, \"lat_p99_us\": %.1f, \"lat_max_us\": %.1f",
		dgen_phase_name(r->phase) ? dgen_phase_name(r->phase) : "write",
		(unsigned long long)r->pass, r->dt,
		(unsigned long long)r->bytes,
		(unsigned long long)r->bytes_total, dgen_series_row_gbps(r),
		r->dt > 0 ? (double)r->ios / r->dt : 0, r->p50_us, r->p99_us,
		r->max_us);
	/* A run that flushes (--flush-every, --journal) logs them too: a
	 * slow flush is a finding in itself, and when it came matters. */
	if (r->flushing)
		fprintf(f, ", \"flushes\": %u, \"flush_max_us\": %.1f",
			r->flushes, r->flush_max_us);
	fputs("}\n", f);
	return ferror(f) ? -EIO : 0;
}

int dgen_series_log_event(FILE *f, const struct dgen_series *s,
			  const struct dgen_series_event *e)
{
	fprintf(f, "{\"time\": %.6f, \"target\": ", e->t);
	dgen_json_string(f, s->names[e->target]);
	fprintf(f, ", \"event\": \"hung\", \"offset\": %llu, \"seconds\": %.3f}\n",
		(unsigned long long)e->offset, e->seconds);
	return ferror(f) ? -EIO : 0;
}

/* ===== Reading a log back ===== */

/* One member of a flat object: its key, and its value as text or number. */
struct member {
	char key[32];
	char str[4096];
	double num;
	int is_str;
};

static const char *skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	return p;
}

/* A JSON string at @p into @out; returns the character after it, or NULL. */
static const char *read_string(const char *p, char *out, size_t len)
{
	size_t n = 0;

	if (*p++ != '"')
		return NULL;
	while (*p && *p != '"') {
		char c = *p++;

		if (c == '\\') {
			c = *p++;
			if (c == 'u') {
				unsigned int v = 0;

				/* Four hex digits, all there: sscanf's %4x
				 * takes fewer, and p would step past the end. */
				for (int i = 0; i < 4; i++) {
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
					v = v << 4 | (unsigned int)(isdigit((unsigned char)p[i]) ?
						p[i] - '0' : (tolower((unsigned char)p[i]) - 'a' + 10));
				}
				/* \u0080 to \u00ff: the byte (dgen_json_string's
				 * rule for a name that is not UTF-8). */
				c = (char)v;
				p += 4;
			} else if (c == 'n') {
				c = '\n';
			} else if (c == 't') {
				c = '\t';
			} else if (!c) {
				return NULL;
			}
		}
		if (n + 1 < len)
			out[n++] = c;
	}
	out[n] = 0;
	return *p == '"' ? p + 1 : NULL;
}

/* The next member at @p (after '{' or ','); NULL when the line is bad. */
static const char *read_member(const char *p, struct member *m)
{
	char *end;

	p = read_string(skip_ws(p), m->key, sizeof(m->key));
	if (!p)
		return NULL;
	p = skip_ws(p);
	if (*p++ != ':')
		return NULL;
	p = skip_ws(p);
	m->is_str = *p == '"';
	m->str[0] = 0;
	m->num = 0;
	if (m->is_str)
		return read_string(p, m->str, sizeof(m->str));
	if (!strncmp(p, "null", 4))
		return p + 4;
	m->num = strtod(p, &end);
	/* JSON has no inf or nan (strtod takes both). */
	return end == p || !isfinite(m->num) ? NULL : end;
}

static int target_index(struct dgen_series *s, const char *name)
{
	char **names;

	for (unsigned int k = 0; k < s->ntargets; k++)
		if (!strcmp(s->names[k], name))
			return (int)k;
	names = realloc(s->names, (s->ntargets + 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	s->names = names;
	names[s->ntargets] = strdup(name);
	if (!names[s->ntargets])
		return -ENOMEM;
	return (int)s->ntargets++;
}

/*
 * @v into *@out if a uint64_t holds it (the log's counts and offsets);
 * casting a double out of range is undefined. Returns 1, or 0 if not.
 */
static int u64_of(double v, uint64_t *out)
{
	if (!(v >= 0 && v < 18446744073709551616.0))
		return 0;
	*out = (uint64_t)v;
	return 1;
}

/* @v into *@out if a float holds it (the log's latencies). */
static int f32_of(double v, float *out)
{
	if (!(fabs(v) <= FLT_MAX))
		return 0;
	*out = (float)v;
	return 1;
}

/* One log line into @s: a row or an event. */
static int read_line(struct dgen_series *s, const char *line)
{
	struct dgen_series_row r = { 0 };
	struct dgen_series_event e = { 0 };
	struct member *m = malloc(sizeof(*m));
	const char *p = skip_ws(line);
	int have_time = 0, have_target = 0, is_event = 0, rc = -EINVAL, k;
	int ok = 1;

	if (!m)
		return -ENOMEM;
	if (*p++ != '{')
		goto out;
	while ((p = read_member(p, m))) {
		if (!strcmp(m->key, "time")) {
			r.t = e.t = m->num;
			have_time = 1;
		} else if (!strcmp(m->key, "target") && m->is_str) {
			k = target_index(s, m->str);
			if (k < 0) {
				rc = k;
				goto out;
			}
			r.target = e.target = (uint32_t)k;
			have_target = 1;
		} else if (!strcmp(m->key, "event")) {
			if (strcmp(m->str, "hung"))
				goto out;
			is_event = 1;
			e.kind = DGEN_EVENT_HUNG;
		} else if (!strcmp(m->key, "phase")) {
			r.phase = !strcmp(m->str, "verify") ? DGEN_PHASE_VERIFY :
				  DGEN_PHASE_WRITE;
		} else if (!strcmp(m->key, "pass")) {
			ok = u64_of(m->num, &r.pass);
		} else if (!strcmp(m->key, "interval_s")) {
			r.dt = m->num;
		} else if (!strcmp(m->key, "bytes")) {
			ok = u64_of(m->num, &r.bytes);
		} else if (!strcmp(m->key, "bytes_total")) {
			ok = u64_of(m->num, &r.bytes_total);
		} else if (!strcmp(m->key, "iops")) {
			ok = u64_of(m->num * r.dt + 0.5, &r.ios);
		} else if (!strcmp(m->key, "lat_p50_us")) {
			ok = f32_of(m->num, &r.p50_us);
		} else if (!strcmp(m->key, "lat_p99_us")) {
			ok = f32_of(m->num, &r.p99_us);
		} else if (!strcmp(m->key, "lat_max_us")) {
			ok = f32_of(m->num, &r.max_us);
		} else if (!strcmp(m->key, "offset")) {
			ok = u64_of(m->num, &e.offset);
		} else if (!strcmp(m->key, "seconds")) {
			e.seconds = m->num;
		}
		/* A number no field can hold: not a line of ours. */
		if (!ok) {
			p = NULL;
			break;
		}
		p = skip_ws(p);
		if (*p == '}')
			break;
		if (*p++ != ',') {
			p = NULL;
			break;
		}
	}
	if (!p || !have_time || !have_target)
		goto out;
	rc = is_event ? dgen_series_add_event(s, &e) : dgen_series_add(s, &r);
out:
	free(m);
	return rc;
}

int dgen_series_read(struct dgen_series **out, FILE *f, char *msg,
		     size_t msglen)
{
	struct dgen_series *s;
	char *line = NULL;
	size_t cap = 0;
	unsigned long no = 0;
	int r;

	r = dgen_series_new(&s, NULL, 0);
	if (r)
		return r;
	while (getline(&line, &cap, f) >= 0) {
		no++;
		if (!*skip_ws(line))
			continue;
		r = read_line(s, line);
		if (r == -EINVAL)
			r = dgen_refuse(r, msg, msglen,
					"line %lu is not a dgen-uring log line (a JSON object with time and target)",
					no);
		if (r)
			goto fail;
	}
	if (ferror(f)) {
		r = dgen_refuse(-EIO, msg, msglen, "cannot read the log");
		goto fail;
	}
	free(line);
	*out = s;
	return 0;
fail:
	free(line);
	dgen_series_free(s);
	return r;
}
