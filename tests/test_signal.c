// SPDX-License-Identifier: MIT
/*
 * test_signal.c - dgen-uring's one rule for SIGINT and SIGTERM
 *
 * Once main() has installed its handlers (seen here in /proc/PID/status,
 * SigCgt), a SIGINT or SIGTERM at any instant, from 1 ms to past the end
 * of the work, ends the run with exit status 130 and a report whose byte
 * counts are exactly the bytes on the target that match the stream. A
 * signal the tool inherited as ignored (a shell's `cmd &`) stays ignored.
 *
 * Each kind of run (a device write, write + verify, a raw tree, stdout
 * to a file) is first run once unsignalled to learn its length T on this
 * machine now; then signalled at seeded instants in [1 ms, 1.1 T].
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <dgen/dgen.h>

#include "toolrun.h"
#include "writer_helpers.h"

#define INSTANTS	3		/* signalled runs per kind and signal */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ns(uint64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };

	nanosleep(&ts, NULL);
}

/* SplitMix64: the seeded instants. */
static uint64_t rng_below(uint64_t *state, uint64_t n)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return (z ^ (z >> 31)) % (n ? n : 1);
}

/*
 * Start the tool with @args (split on spaces), stdout to @out and stderr
 * to @err; with @ignore, SIGINT and SIGTERM are ignored when it starts.
 */
static pid_t start(const char *args, const char *out, const char *err,
		   int ignore)
{
	static char buf[1024];
	sigset_t hold, old;
	char *argv[40];
	unsigned int n = 0;
	pid_t pid;

	snprintf(buf, sizeof(buf), "%s", args);
	argv[n++] = DGEN_URING_PATH;
	for (char *t = strtok(buf, " "); t && n < 39; t = strtok(NULL, " "))
		argv[n++] = t;
	argv[n] = NULL;
	/*
	 * The two signals are held from before the fork until the child has
	 * set their disposition: one sent in between would otherwise find the
	 * child with this process's disposition and kill it, where a shell's
	 * `cmd &` child never runs unignored. A held signal that becomes
	 * ignored is discarded.
	 */
	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigprocmask(SIG_BLOCK, &hold, &old);
	pid = fork();
	if (!pid) {
		int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(99);
		if (ignore) {
			signal(SIGINT, SIG_IGN);
			signal(SIGTERM, SIG_IGN);
		} else {
			signal(SIGINT, SIG_DFL);
			signal(SIGTERM, SIG_DFL);
		}
		sigprocmask(SIG_SETMASK, &old, NULL);
		execv(argv[0], argv);
		_exit(98);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	cr_assert_geq(pid, 0);
	return pid;
}

/*
 * 1 once @pid runs dgen-uring and catches SIGINT (its handlers are in;
 * before the exec the child still has this process's), 0 if it exited.
 */
static int ready(pid_t pid)
{
	char path[64], line[256];
	unsigned long long cgt;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	for (;;) {
		FILE *f = fopen(path, "r");
		int found = 0, zombie = 0, named = 0;

		if (!f)
			return 0;
		while (fgets(line, sizeof(line), f)) {
			if (!strncmp(line, "State:", 6) && strchr(line, 'Z'))
				zombie = 1;
			if (!strncmp(line, "Name:", 5) && strstr(line, "dgen-uring"))
				named = 1;
			if (sscanf(line, "SigCgt: %llx", &cgt) == 1 &&
			    (cgt & (1ull << (SIGINT - 1))))
				found = 1;
		}
		fclose(f);
		if (zombie)
			return 0;
		if (found && named)
			return 1;
		sleep_ns(200000);
	}
}

/*
 * 1 when @pid's main thread holds SIGINT off: dgen-uring does so once it
 * has decided its exit status (signals_exit), on its way out.
 */
static int held_off(pid_t pid)
{
	char path[64], line[256];
	unsigned long long blk = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "SigBlk: %llx", &blk) == 1)
			break;
	fclose(f);
	return (blk >> (SIGINT - 1)) & 1;
}

/* A top-level number of a JSON report, UINT64_MAX when missing. */
static uint64_t json_num(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\n  \"%s\": ", key);
	p = strstr(json, pat);
	return p ? strtoull(p + strlen(pat), NULL, 10) : UINT64_MAX;
}

static int status_is(const char *json, const char *s)
{
	char pat[64];

	snprintf(pat, sizeof(pat), "\"status\": \"%s\"", s);
	return strstr(json, pat) != NULL;
}

enum kind { WRITE, VERIFY, TREE, STDOUT };

struct sig_run {
	enum kind kind;
	const char *target, *out, *err;
	uint64_t size;			/* per target; tree: per file */
	unsigned int files;
	uint64_t seed;
};

static void args_of(const struct sig_run *r, char *buf, size_t len)
{
	switch (r->kind) {
	case WRITE:
	case VERIFY:
		snprintf(buf, len, "--dev %s --size %llu --threads 2 --qd 4 --bs 256K --seed %llu --json%s",
			 r->target, (unsigned long long)r->size,
			 (unsigned long long)r->seed,
			 r->kind == VERIFY ? " --verify" : "");
		break;
	case TREE:
		snprintf(buf, len, "--dir %s --files %u --file-size %llu --threads 2 --qd 4 --bs 256K --seed %llu --json",
			 r->target, r->files, (unsigned long long)r->size,
			 (unsigned long long)r->seed);
		break;
	case STDOUT:
		snprintf(buf, len, "--stdout --size %llu --seed %llu --json --no-splice",
			 (unsigned long long)r->size, (unsigned long long)r->seed);
		break;
	}
}

static void clean(const struct sig_run *r)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->target);
	cr_assert_eq(system(cmd), 0);
}

/*
 * Check the report @rep of run @r against what is on the target:
 * written bytes match the stream exactly. Returns the bytes written.
 */
static uint64_t judge(const struct sig_run *r, const char *rep)
{
	uint64_t want = 0, got;

	if (r->kind == TREE) {
		for (unsigned int i = 0; i < r->files; i++) {
			struct dgen_stream *s = stream_make(r->seed, i, r->size, 1.0, 1.0);
			char path[512];

			dgen_tree_path(path, sizeof(path), r->target, 0, i, NULL);
			want += path_matching(path, r->size, s);
			dgen_stream_free(s);
		}
		got = json_num(rep, "bytes");
	} else {
		struct dgen_stream *s = stream_make(r->seed, 0, r->size, 1.0, 1.0);
		struct stat st;

		if (r->kind == STDOUT) {
			/* stdout is the data: a prefix of the stream. */
			cr_assert_eq(stat(r->target, &st), 0);
			want = (uint64_t)st.st_size;
			if (want)
				cr_assert_eq(path_compare(r->target, 0, want, s), 0,
					     "stdout is not the stream");
		} else {
			want = path_matching(r->target, r->size, s);
		}
		dgen_stream_free(s);
		got = json_num(rep, r->kind == VERIFY ? "bytes_written" : "bytes");
	}
	cr_assert_eq(got, want, "report says %llu B written, the target holds %llu:\n%s",
		     (unsigned long long)got, (unsigned long long)want, rep);
	if (r->kind == VERIFY) {
		cr_assert_leq(json_num(rep, "bytes_verified"), got, "%s", rep);
		cr_assert_eq(json_num(rep, "mismatches"), 0, "%s", rep);
	}
	return got;
}

/*
 * Run @r, signalling @sig @delay_ns after its handlers are in (no signal
 * when @sig is 0). Returns the exit status; the report in @rep.
 */
static int run_once(const struct sig_run *r, int sig, uint64_t delay_ns,
		    int ignore, char *rep, size_t replen, uint64_t *ns,
		    int *late)
{
	char args[1024];
	const char *out = r->kind == STDOUT ? r->target : r->out;
	const char *rpt = r->kind == STDOUT ? r->err : r->out;
	uint64_t t0;
	pid_t pid;
	int status, live;

	clean(r);
	args_of(r, args, sizeof(args));
	pid = start(args, out, r->err, ignore);
	/* Ignored signals show in SigIgn, not SigCgt: poll the start alone. */
	live = ignore ? 1 : ready(pid);
	t0 = mono_ns();
	if (sig && live) {
		sleep_ns(delay_ns);
		/* kill(2) on a zombie is no signal: only a live run counts. */
		if (waitpid(pid, &status, WNOHANG) == 0) {
			kill(pid, sig);
			*late = held_off(pid);
		} else {
			*late = 1;
			live = -1;
		}
	}
	if (live != -1)
		cr_assert_eq(waitpid(pid, &status, 0), pid);
	*ns = mono_ns() - t0;
	/* stdout's data stays in its file for judge(). */
	slurp(rpt, rep, replen);
	if (rpt != r->err)
		unlink(r->err);
	return code_of(status);
}

static void signal_kind(enum kind kind, uint64_t size, unsigned int files,
			uint64_t salt)
{
	static char rep[1 << 16];
	struct sig_run r = {
		.kind = kind, .size = size, .files = files, .seed = 70 + salt,
		.target = scratch_path(kind == TREE ? "sigtree" : "sigt"),
		.out = scratch_path("sigout"), .err = scratch_path("sigerr"),
	};
	static const int sigs[] = { SIGINT, SIGTERM };
	uint64_t rng = 1300 + salt, T, ns;
	unsigned int cut = 0, after = 0;
	int code, late;

	/* Its length now, unsignalled: the shortest of three, since the
	 * first run of a binary (cold caches, a new file) is the slowest. */
	T = UINT64_MAX;
	for (unsigned int i = 0; i < 3; i++) {
		code = run_once(&r, 0, 0, 0, rep, sizeof(rep), &ns, &late);
		cr_assert_eq(code, 0, "%s", rep);
		cr_assert(status_is(rep, "ok"), "%s", rep);
		cr_assert_eq(judge(&r, rep), kind == TREE ? size * files : size);
		if (ns < T)
			T = ns;
	}
	for (unsigned int s = 0; s < 2; s++)
		for (unsigned int i = 0; i < INSTANTS; i++) {
			/* The first instant of each signal in the run's first
			 * quarter, so some land inside however the run's
			 * length varies; the rest anywhere up to past its end. */
			uint64_t at = 1000000ull +
				      rng_below(&rng, i ? T + T / 10 : T / 4 + 1);

			late = 0;
			code = run_once(&r, sigs[s], at, 0, rep, sizeof(rep), &ns,
					&late);
			/* Once its status is decided and its report printed,
			 * a tool on its way out (signals held off, or gone)
			 * exits as it decided. */
			if (late && code == 0)
				cr_assert(status_is(rep, "ok"), "%s", rep);
			else
				cr_assert_eq(code, 130, "%s at %.3f ms of %.3f: exit %d\n%s",
					     strsignal(sigs[s]), (double)at / 1e6,
					     (double)T / 1e6, code, rep);
			/* Cut short, or done before it came: either way the
			 * bytes are the truth, and a status says which. */
			if (!status_is(rep, "interrupted")) {
				cr_assert(status_is(rep, "ok") &&
					  judge(&r, rep) == (kind == TREE ? size * files : size),
					  "%s", rep);
				after++;
			} else {
				judge(&r, rep);
				cut++;
			}
		}
	cr_log_info("kind %d: T %.1f ms, %u runs cut short, %u signalled after the work",
		    kind, (double)T / 1e6, cut, after);
	/* The instants are spread over the run: some must land inside. */
	cr_assert_geq(cut, 1, "no signal landed inside the run (T %.1f ms)",
		      (double)T / 1e6);
	clean(&r);
}

Test(signal, device_write_at_any_instant)
{
	signal_kind(WRITE, 96 * 1024 * 1024, 0, 1);
}

Test(signal, verify_at_any_instant)
{
	signal_kind(VERIFY, 64 * 1024 * 1024, 0, 2);
}

Test(signal, tree_at_any_instant)
{
	signal_kind(TREE, 4 * 1024 * 1024, 16, 3);
}

Test(signal, stdout_at_any_instant)
{
	signal_kind(STDOUT, 256 * 1024 * 1024, 0, 4);
}

/* A shell's `cmd &`: SIGINT and SIGTERM ignored at start stay ignored. */
Test(signal, inherited_ignore_is_kept)
{
	static char rep[1 << 16];
	struct sig_run r = {
		.kind = WRITE, .size = 96 * 1024 * 1024, .seed = 99,
		.target = scratch_path("sigign"),
		.out = scratch_path("sigiout"), .err = scratch_path("sigierr"),
	};
	uint64_t rng = 4242, ns;
	char args[1024];
	pid_t pid;
	int status;

	clean(&r);
	args_of(&r, args, sizeof(args));
	pid = start(args, r.out, r.err, 1);
	/* Signals from the very start to the end of the run. */
	for (unsigned int i = 0; i < 6; i++) {
		sleep_ns(1000000ull + rng_below(&rng, 20000000ull));
		if (waitpid(pid, &status, WNOHANG) != 0)
			break;
		kill(pid, i % 2 ? SIGTERM : SIGINT);
	}
	if (waitpid(pid, &status, WNOHANG) == 0)
		cr_assert_eq(waitpid(pid, &status, 0), pid);
	slurp(r.out, rep, sizeof(rep));
	cr_assert_eq(code_of(status), 0, "exit %d\n%s", code_of(status), rep);
	cr_assert(status_is(rep, "ok"), "%s", rep);
	cr_assert_eq(judge(&r, rep), r.size);
	(void)ns;
	clean(&r);
	unlink(r.err);
}
