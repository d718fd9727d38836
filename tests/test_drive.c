// SPDX-License-Identifier: MIT
/*
 * test_drive.c - per-target truth on real slow, failing and hung devices:
 * verdicts, the interval log, cliffs, the I/O watchdog, steady state and
 * the SVG picture, from the built tool (DGEN_URING_PATH)
 *
 * Slow drives are made on demand with the kernel's block throttling: loop
 * devices (direct I/O, over files on tmpfs) and a blkio cgroup (v1, or
 * io.max on v2) holding only the tool's process, with a write limit in
 * bytes per second for one device. Every test checks that the throttle
 * really held the tool's I/O (the cgroup's own byte count) before it
 * judges what the tool says. Times are wide bounds on the run's own
 * clock: the suite runs under ASan on busy two-core machines.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

#include "writer_helpers.h"
#include "toolrun.h"

#ifndef DGEN_URING_PATH
#error "meson passes the path of the built tool"
#endif

#define MiB		(1ull << 20)

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nap_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* ===== Throttled loop devices ===== */

struct cg {
	char dir[256];
	int v2;				/* io.max instead of blkio.throttle */
};

/* What a test made, for the teardown when an assertion ends it early. */
static struct cg *made_cg;
static char made_dev[2][64], made_file[2][256];

static void cg_limit(const struct cg *c, const char *dev, uint64_t bps);
static void loop_drop(char *dev, const char *backing);

/* Lift the limits first: a held write keeps the device and cgroup busy. */
static void teardown(void)
{
	for (int i = 0; i < 2; i++) {
		if (!made_dev[i][0])
			continue;
		if (made_cg)
			cg_limit(made_cg, made_dev[i], 0);
		loop_drop(strdup(made_dev[i]), made_file[i]);
	}
	if (made_cg)
		for (int i = 0; i < 100 && rmdir(made_cg->dir) && errno == EBUSY; i++)
			nanosleep(&(struct timespec){ 0, 50000000 }, NULL);
	made_cg = NULL;
}

TestSuite(drive, .fini = teardown);

/* A child cgroup for one run; skips where there is no block throttling. */
static void cg_make(struct cg *c)
{
	struct stat st;

	if (geteuid())
		cr_skip_test("block throttling needs root");
	if (stat("/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device", &st) == 0) {
		snprintf(c->dir, sizeof(c->dir), "/sys/fs/cgroup/blkio/dgen-test-%d",
			 (int)getpid());
		c->v2 = 0;
	} else if (stat("/sys/fs/cgroup/cgroup.controllers", &st) == 0) {
		/* cgroup v2 alone: the io controller must be enabled here. */
		if (system("grep -qw io /sys/fs/cgroup/cgroup.subtree_control || echo +io > /sys/fs/cgroup/cgroup.subtree_control"))
			cr_skip_test("the cgroup v2 io controller cannot be enabled");
		snprintf(c->dir, sizeof(c->dir), "/sys/fs/cgroup/dgen-test-%d",
			 (int)getpid());
		c->v2 = 1;
	} else {
		cr_skip_test("no blkio (v1) or io (v2) cgroup controller mounted");
	}
	rmdir(c->dir);
	cr_assert_eq(mkdir(c->dir, 0755), 0, "mkdir %s: %s", c->dir,
		     strerror(errno));
	made_cg = c;
}

static void cg_drop(struct cg *c)
{
	/* Its last process may take a moment to leave after it is reaped. */
	for (int i = 0; i < 100 && rmdir(c->dir) && errno == EBUSY; i++)
		nap_ms(50);
	made_cg = NULL;
}

static void cg_write(const struct cg *c, const char *file, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void cg_write(const struct cg *c, const char *file, const char *fmt, ...)
{
	char path[512];
	va_list ap;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", c->dir, file);
	f = fopen(path, "w");
	cr_assert_not_null(f, "open %s: %s", path, strerror(errno));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	cr_assert_eq(fclose(f), 0, "write %s: %s", path, strerror(errno));
}

/* Limit writes to @dev to @bps bytes per second (0: no limit). */
static void cg_limit(const struct cg *c, const char *dev, uint64_t bps)
{
	struct stat st;

	cr_assert_eq(stat(dev, &st), 0);
	if (c->v2 && !bps)
		cg_write(c, "io.max", "%u:%u wbps=max", major(st.st_rdev),
			 minor(st.st_rdev));
	else if (c->v2)
		cg_write(c, "io.max", "%u:%u wbps=%llu", major(st.st_rdev),
			 minor(st.st_rdev), (unsigned long long)bps);
	else
		cg_write(c, "blkio.throttle.write_bps_device", "%u:%u %llu",
			 major(st.st_rdev), minor(st.st_rdev),
			 (unsigned long long)bps);
}

/* Bytes the cgroup wrote to @dev, as the kernel counted them. */
static uint64_t cg_written(const struct cg *c, const char *dev)
{
	char cmd[768], *line;
	struct stat st;

	cr_assert_eq(stat(dev, &st), 0);
	if (c->v2)
		snprintf(cmd, sizeof(cmd), "sed -n 's/^%u:%u .*wbytes=\\([0-9]*\\).*/\\1/p' %s/io.stat",
			 major(st.st_rdev), minor(st.st_rdev), c->dir);
	else
		snprintf(cmd, sizeof(cmd), "awk '$1 == \"%u:%u\" && $2 == \"Write\" { print $3 }' %s/blkio.throttle.io_service_bytes",
			 major(st.st_rdev), minor(st.st_rdev), c->dir);
	line = shell_line(cmd);
	return line ? strtoull(line, NULL, 10) : 0;
}

/* A loop device with direct I/O over a fresh @size-byte file; skips if none. */
static char *loop_make(const char *tag, uint64_t size, char *backing)
{
	char *dev;

	strcpy(backing, scratch_path(tag));
	cr_assert_eq(truncate(backing, 0) == 0 || errno == ENOENT, 1);
	if (file_make(backing, 0, 0) || truncate(backing, (off_t)size))
		cr_assert_fail("cannot make %s", backing);
	dev = loop_attach(backing, 0);
	if (!dev) {
		unlink(backing);
		cr_skip_test("no loop device could be attached");
	}
	for (int i = 0; i < 2; i++)
		if (!made_dev[i][0]) {
			snprintf(made_dev[i], sizeof(made_dev[i]), "%s", dev);
			snprintf(made_file[i], sizeof(made_file[i]), "%s", backing);
			break;
		}
	return strdup(dev);
}

static void loop_drop(char *dev, const char *backing)
{
	for (int i = 0; i < 2; i++)
		if (!strcmp(made_dev[i], dev))
			made_dev[i][0] = 0;
	loop_detach(dev);
	unlink(backing);
	free(dev);
}

/* ===== Running the tool in the cgroup ===== */

struct proc {
	pid_t pid;
	char out[256], err[256];
	double t0;
};

/* Start the tool with @args (a shell word list) in @c, output to files. */
__attribute__((format(printf, 3, 4)))
static void spawn(struct proc *p, const struct cg *c, const char *fmt, ...)
{
	char args[2048], cmd[3072];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	strcpy(p->out, scratch_path("out"));
	strcpy(p->err, scratch_path("err"));
	/* The shell joins the cgroup, then becomes the tool: only it. */
	snprintf(cmd, sizeof(cmd), "echo $$ > %s/cgroup.procs && exec %s %s >%s 2>%s",
		 c->dir, DGEN_URING_PATH, args, p->out, p->err);
	p->t0 = mono_s();
	p->pid = fork();
	cr_assert_geq(p->pid, 0);
	if (!p->pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
}

/* Wait at most @limit_s for it; its exit status, or -1 if still running. */
static int reap(struct proc *p, double limit_s)
{
	double end = mono_s() + limit_s;
	int st;

	do {
		pid_t r = waitpid(p->pid, &st, WNOHANG);

		if (r == p->pid)
			return code_of(st);
		nap_ms(20);
	} while (mono_s() < end);
	return -1;
}

/* Run python3 @prog with @a1 @a2; its first output line (static). */
static char *py(const char *prog, const char *a1, const char *a2)
{
	const char *pp = scratch_path("py");
	char cmd[1024], *line;
	FILE *f;

	if (!shell_line("command -v python3"))
		cr_skip_test("python3 is needed to read the JSON report");
	f = fopen(pp, "w");
	fputs(prog, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "python3 %s %s %s 2>&1", pp, a1, a2 ? a2 : "");
	line = shell_line(cmd);
	unlink(pp);
	return line ? line : "(python failed)";
}

/* A check script's verdict: its first word is "ok". */
#define expect_ok(line) do {						\
		const char *l_ = (line);					\
		cr_expect(!strncmp(l_, "ok", 2) && (!l_[2] || l_[2] == ' '), \
			  "%s", l_);						\
	} while (0)

static void dump(const char *what, const char *path)
{
	char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	buf[n] = 0;
	if (f)
		fclose(f);
	cr_log_info("%s:\n%s", what, buf);
}

/* ===== Slow, against a fast peer ===== */

/*
 * Two loop devices, one throttled to 100 MB/s: its GB/s is the throttle's,
 * it is slow and the other ok; the log has both, at the asked interval;
 * the SVG parses, renders and names both, and redraws from the log.
 */
Test(drive, throttled_target_is_slow)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"a, b = d['targets']\n"
		"rows = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]\n"
		"ra = [r for r in rows if r['target'] == a['path']]\n"
		"rb = [r for r in rows if r['target'] == b['path']]\n"
		"full = [r['interval_s'] for r in rb[1:-1]]\n"
		"ok = (a['verdict'] == 'ok' and b['verdict'] == 'slow' and b['slow']\n"
		"      and 0.05 < b['gbps'] < 0.14 and a['gbps'] > 2 * b['gbps']\n"
		"      and b['bytes'] == b['size'] and a['bytes'] == a['size']\n"
		"      and b['latency_us']['p99'] > 0 and b['iops'] > 0\n"
		"      and len(ra) >= 1 and len(rb) >= 6\n"
		"      and all(abs(x - 0.5) < 0.1 for x in full)\n"
		"      and rb[-1]['bytes_total'] == b['size'] and ra[-1]['bytes_total'] == a['size']\n"
		"      and all(r['phase'] == 'write' and r['pass'] == 1 for r in rows))\n"
		"print('ok' if ok else 'bad', a['verdict'], a['gbps'], b['verdict'], b['gbps'], len(ra), len(rb), full)\n";
	static const char svg_check[] =
		"import sys, xml.etree.ElementTree as ET\n"
		"names = sys.argv[2].split(',')\n"
		"def look(p):\n"
		"    t = ET.parse(p).getroot()\n"
		"    text = ' '.join(e.text or '' for e in t.iter() if e.tag.endswith('text'))\n"
		"    lines = [e.get('points') for e in t.iter() if e.tag.endswith('polyline')]\n"
		"    return all(n in text for n in names), lines\n"
		"n1, l1 = look(sys.argv[1])\n"
		"n2, l2 = look(sys.argv[1] + '.from')\n"
		"def pts(l): return [tuple(map(float, p.split(','))) for p in l.split()]\n"
		"same = len(l1) == len(l2) and all(len(pts(x)) == len(pts(y)) and all(abs(p[0]-q[0]) < 2 and abs(p[1]-q[1]) < 2 for p, q in zip(pts(x), pts(y))) for x, y in zip(l1, l2))\n"
		"print('ok' if n1 and n2 and same and len(l1) >= 2 else 'bad', n1, n2, same, len(l1), len(l2))\n";
	char ba[256], bb[256], cmd[1024], names[512], *a, *b, *log, *svg, *png;
	struct proc p;
	struct cg c;
	int code;

	cg_make(&c);
	a = loop_make("slow-a", 256 * MiB, ba);
	b = loop_make("slow-b", 256 * MiB, bb);
	cg_limit(&c, b, 100000000);
	log = strdup(scratch_path("slow.log"));
	svg = strdup(scratch_path("slow.svg"));
	png = strdup(scratch_path("slow.png"));
	spawn(&p, &c, "--dev %s --dev %s --size 256M --json --log %s --log-interval 0.5 --plot %s",
	      a, b, log, svg);
	code = reap(&p, 300);
	dump("report", p.out);
	cr_assert_eq(code, 0, "exit %d", code);
	/* The throttle held the tool's writes to b, and only those. */
	cr_assert_geq(cg_written(&c, b), 256 * MiB, "the cgroup did not see the writes to %s", b);
	expect_ok(py(check, p.out, log));

	snprintf(cmd, sizeof(cmd), "%s --plot-from %s --plot %s.from", DGEN_URING_PATH, log, svg);
	cr_assert_eq(system(cmd), 0);
	snprintf(names, sizeof(names), "%s,%s", a, b);
	expect_ok(py(svg_check, svg, names));
	if (shell_line("command -v rsvg-convert")) {
		snprintf(cmd, sizeof(cmd), "rsvg-convert %s -o %s && test -s %s && echo rendered", svg, png, png);
		cr_expect_str_eq(shell_line(cmd) ? shell_line(cmd) : "", "rendered");
	} else {
		cr_log_warn("rsvg-convert (librsvg2-bin) missing: the SVG was parsed, not rendered");
	}
	unlink(p.out);
	unlink(p.err);
	unlink(log);
	unlink(png);
	snprintf(cmd, sizeof(cmd), "%s.from", svg);
	unlink(cmd);
	unlink(svg);
	free(log);
	free(svg);
	free(png);
	cg_drop(&c);
	loop_drop(a, ba);
	loop_drop(b, bb);
}

/* ===== A cliff ===== */

/* The last bytes_total of the log at @path, 0 when none yet. */
static uint64_t log_last_total(const char *path)
{
	char line[1024], *at;
	uint64_t last = 0;
	FILE *f = fopen(path, "r");

	while (f && fgets(line, sizeof(line), f))
		if ((at = strstr(line, "\"bytes_total\": ")))
			last = strtoull(at + 15, NULL, 10);
	if (f)
		fclose(f);
	return last;
}

/*
 * A throttle lowered mid-run: exactly one cliff, where it was lowered, and
 * exit 5 as --fail-on cliff asks. Before: 100 MB/s; after: 20 MB/s; each
 * lasts several 0.25 s intervals.
 */
Test(drive, lowered_throttle_is_one_cliff)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"t = d['targets'][0]\n"
		"at = int(sys.argv[2])\n"
		"c = t['cliffs']\n"
		"ok = (t['verdict'] == 'cliff' and len(c) == 1 and abs(c[0]['at_bytes'] - at) <= 0.25 * at\n"
		"      and c[0]['after_gbps'] < 0.7 * c[0]['before_gbps'] and 0 < c[0]['at_s'] < d['seconds'])\n"
		"print('ok' if ok else 'bad', at, c)\n";
	char bk[256], changed[32], *dev, *log;
	uint64_t at = 0;
	struct proc p;
	struct cg c;
	double end;
	int code;

	cg_make(&c);
	dev = loop_make("cliff", 320 * MiB, bk);
	cg_limit(&c, dev, 100000000);
	log = strdup(scratch_path("cliff.log"));
	spawn(&p, &c, "--dev %s --size 320M --json --log %s --log-interval 0.25 --fail-on cliff",
	      dev, log);
	/* Lower it once 180 MB are through (the log says so each interval). */
	for (end = mono_s() + 120; mono_s() < end; nap_ms(20)) {
		at = log_last_total(log);
		if (at >= 180000000)
			break;
		cr_assert_eq(waitpid(p.pid, NULL, WNOHANG), 0, "the run ended before the throttle changed");
	}
	cg_limit(&c, dev, 20000000);
	cr_log_info("throttle lowered at %llu bytes", (unsigned long long)at);
	code = reap(&p, 300);
	dump("report", p.out);
	/* --fail-on cliff turns the verdict into the exit status. */
	cr_assert_eq(code, 5, "exit %d", code);
	cr_assert_geq(cg_written(&c, dev), 320 * MiB);
	snprintf(changed, sizeof(changed), "%llu", (unsigned long long)at);
	expect_ok(py(check, p.out, changed));
	unlink(p.out);
	unlink(p.err);
	unlink(log);
	free(log);
	cg_drop(&c);
	loop_drop(dev, bk);
}

/* ===== A hang ===== */

/* Whether the file at @path holds a whole JSON report (ends in "}\n"). */
static int report_done(const char *path)
{
	char buf[1 << 16];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;

	if (f)
		fclose(f);
	return n >= 2 && buf[n - 2] == '}' && buf[n - 1] == '\n';
}

/*
 * 4 KiB/s with --io-timeout 3: the hang is reported (stderr and report,
 * with target and offset) seconds after it began, while the stuck write is
 * still held (the report counts it unwritten); exit 3, and the process is
 * gone once the throttle is lifted.
 */
Test(drive, stuck_write_is_reported_as_hung)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"t = d['targets'][0]\n"
		"h = d['hang']\n"
		"ok = (d['status'] == 'hung' and h['error'] == 'timeout' and h['target'] == t['path']\n"
		"      and t['error'] == 'timeout' and t['verdict'] == 'hung' and t['bytes'] < t['size']\n"
		"      and 0 <= h['offset'] < t['size'] and h['offset'] % 4096 == 0\n"
		"      and 3 <= h['seconds'] < 30 and h['at_s'] < 40\n"
		"      and d['error']['errno'] == 110 and d['error']['offset'] == h['offset'])\n"
		"print('ok' if ok else 'bad', d['status'], h)\n";
	char bk[256], err[4096], *dev;
	struct proc p;
	struct cg c;
	double end, reported;
	int code;

	cg_make(&c);
	dev = loop_make("hang", 64 * MiB, bk);
	cg_limit(&c, dev, 4096);
	spawn(&p, &c, "--dev %s --size 64M --io-timeout 3 --json", dev);
	for (end = mono_s() + 120; mono_s() < end && !report_done(p.out); nap_ms(50))
		;
	reported = mono_s() - p.t0;
	cr_log_info("report after %.1f s", reported);
	cr_assert(report_done(p.out), "no report 120 s after the start");
	dump("report", p.out);
	expect_ok(py(check, p.out, NULL));
	cr_expect_gt(cg_written(&c, dev), 0, "the cgroup saw no write to %s", dev);
	/* The kernel may keep the process until its writes are let go. */
	cg_limit(&c, dev, 0);
	code = reap(&p, 120);
	cr_assert_eq(code, 3, "exit %d after the throttle was lifted", code);
	slurp(p.err, err, sizeof(err));
	cr_expect(strstr(err, "hung") && strstr(err, dev) && strstr(err, "offset"),
		  "stderr: %s", err);
	unlink(p.out);
	cg_drop(&c);
	loop_drop(dev, bk);
}

/* ===== Steady state ===== */

/* --time 60 --steady-state on a throttled loop device stops early. */
Test(drive, steady_state_stops_a_timed_run)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"s = d['steady_state']\n"
		"ok = (d['status'] == 'ok' and s['reached'] and 0 < s['at_s'] < 55 and d['seconds'] < 58\n"
		"      and s['at_bytes'] > 0 and 0.02 < s['mean_gbps'] < 0.08 and s['window'] == 5)\n"
		"print('ok' if ok else 'bad', d['seconds'], s)\n";
	char bk[256], *dev;
	struct proc p;
	struct cg c;
	int code;

	cg_make(&c);
	dev = loop_make("steady", 32 * MiB, bk);
	/* A throttled device is as steady as a device gets. */
	cg_limit(&c, dev, 50000000);
	spawn(&p, &c, "--dev %s --time 60 --steady-state --json", dev);
	code = reap(&p, 180);
	dump("report", p.out);
	cr_assert_eq(code, 0, "exit %d", code);
	expect_ok(py(check, p.out, NULL));
	unlink(p.out);
	unlink(p.err);
	cg_drop(&c);
	loop_drop(dev, bk);
}

/* ===== Usage ===== */

Test(drive, options_are_checked)
{
	static const char *const bad[] = {
		"--dev null --size 1M --log-interval 0",
		"--dev null --size 1M --log-interval abc",
		"--dev null --size 1M --io-timeout -1",
		"--dev null --size 1M --fail-on fast",
		"--dev null --size 1M --steady-state",
		"--dev null --size 1M --time 1 --steady-state=window=1",
		"--dev null --size 1M --time 1 --steady-state=speed=3",
		"--plot-from /nonexistent.log",
		"--plot-from /dev/null --plot /dev/null --dev null",
		"--dir /tmp/x --files 1 --file-size 4K --log /tmp/x.log",
	};
	char cmd[1024];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(cmd, sizeof(cmd), "%s %s >/dev/null 2>&1", DGEN_URING_PATH, bad[i]);
		cr_expect_eq(code_of(system(cmd)), 2, "%s", bad[i]);
	}
	/* A log that is not one: refused with its line. */
	snprintf(cmd, sizeof(cmd), "echo nonsense > %s && %s --plot-from %s --plot %s.svg 2>&1; true",
		 scratch_path("notalog"), DGEN_URING_PATH, scratch_path("notalog"),
		 scratch_path("notalog"));
	cr_expect(strstr(shell_line(cmd) ? shell_line(cmd) : "", "line 1"), "%s", cmd);
	unlink(scratch_path("notalog"));
	/* A run with nothing to judge is ok, and --fail-on leaves it 0. */
	snprintf(cmd, sizeof(cmd), "%s --dev null --size 64M --fail-on slow,cliff --json >/dev/null 2>&1",
		 DGEN_URING_PATH);
	cr_expect_eq(code_of(system(cmd)), 0);
}

/* ===== Passes ===== */

/*
 * A verified two-pass run of a file and the null target: each pass gives
 * each target its write and verify figures, the targets' totals add the
 * passes up, and the JSON status lines name every target and the slowest.
 */
Test(drive, passes_report_each_target)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"size = 32 << 20\n"
		"ok = d['status'] == 'ok' and len(d['passes']) == 2\n"
		"for p in d['passes']:\n"
		"    for t in p['targets']:\n"
		"        ok = ok and t['write']['bytes'] == size and t['verify']['bytes'] == size\n"
		"        ok = ok and t['write']['iops'] > 0 and t['verify']['latency_us']['p99'] > 0\n"
		"for t in d['targets']:\n"
		"    ok = ok and t['verify']['bytes'] == 2 * size and t['gbps'] > 0 and t['verdict'] in ('ok', 'slow')\n"
		"st = [json.loads(l) for l in open(sys.argv[2]) if l.startswith('{')]\n"
		"ok = ok and len(st) >= 1 and all(len(s['targets']) == 2 and 'slowest' in s for s in st)\n"
		"print('ok' if ok else 'bad', len(st))\n";
	char cmd[1024], *out = strdup(scratch_path("pass.json")),
	     *err = strdup(scratch_path("pass.err")), *file = strdup(scratch_path("pass"));

	snprintf(cmd, sizeof(cmd), "%s --dev %s --dev null --size 32M --verify --passes 2 --rate 128M --status-interval 0.2 --json >%s 2>%s",
		 DGEN_URING_PATH, file, out, err);
	cr_assert_eq(code_of(system(cmd)), 0);
	expect_ok(py(check, out, err));
	unlink(out);
	unlink(err);
	unlink(file);
	free(out);
	free(err);
	free(file);
}

/* ===== A stopped process ===== */

/*
 * SIGSTOP for 5 s under --io-timeout 2, then SIGCONT: time stopped is not
 * the drive's (the watchdog sees the gap in its own looks), so the run
 * ends as it would have, exit 0, no hang. I/Os of 64 KiB one at a time at
 * 4 MB/s (16 ms each) keep one outstanding almost always.
 */
Test(drive, stopped_process_is_not_hung)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"t = d['targets'][0]\n"
		"ok = (d['status'] == 'ok' and 'hang' not in d and t['verdict'] != 'hung'\n"
		"      and t['bytes'] == t['size'] and d['seconds'] > 5)\n"
		"print('ok' if ok else 'bad', d['status'], t.get('verdict'), d['seconds'])\n";
	char bk[256], *dev;
	struct proc p;
	struct cg c;
	int code;

	cg_make(&c);
	dev = loop_make("stop", 32 * MiB, bk);
	cg_limit(&c, dev, 4000000);
	spawn(&p, &c, "--dev %s --size 24M --bs 64K --qd 1 --io-timeout 2 --json",
	      dev);
	nap_ms(1500);
	cr_assert_eq(waitpid(p.pid, NULL, WNOHANG), 0, "the run ended before the stop");
	cr_assert_eq(kill(p.pid, SIGSTOP), 0);
	nap_ms(5000);
	cr_assert_eq(kill(p.pid, SIGCONT), 0);
	code = reap(&p, 120);
	dump("report", p.out);
	dump("stderr", p.err);
	cr_assert_eq(code, 0, "exit %d after 5 s stopped", code);
	expect_ok(py(check, p.out, NULL));
	unlink(p.out);
	unlink(p.err);
	cr_assert_eq(cg_written(&c, dev), 24 * MiB, "the cgroup wrote %llu bytes",
		     (unsigned long long)cg_written(&c, dev));
	cg_limit(&c, dev, 0);
	cg_drop(&c);
	loop_drop(dev, bk);
}

/* ===== The drain of a timed run ===== */

/*
 * --time 2 on a device held to 2 MB/s with 4 MiB in flight (16 x 256 KiB,
 * each I/O about 2 s outstanding): submitting stops at the deadline, what
 * is in flight drains, and the report says how long that took (drain_s);
 * the run ends within --time + --io-timeout (+ slack for a loaded
 * machine), the drain within --io-timeout.
 */
Test(drive, timed_run_reports_its_drain)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"dr = d.get('drain_s', -1)\n"
		"ok = (d['status'] == 'ok' and 0.2 < dr <= 10 and d['seconds'] < 2 + 10 + 5\n"
		"      and d['bytes_written'] > 0)\n"
		"print('ok' if ok else 'bad', d['status'], 'drain_s', dr, 'seconds', d['seconds'])\n";
	char bk[256], *dev;
	struct proc p;
	struct cg c;
	double took;
	int code;

	cg_make(&c);
	dev = loop_make("drain", 64 * MiB, bk);
	cg_limit(&c, dev, 2000000);
	spawn(&p, &c, "--dev %s --time 2 --bs 256K --qd 16 --io-timeout 10 --json",
	      dev);
	code = reap(&p, 120);
	took = mono_s() - p.t0;
	dump("report", p.out);
	cr_assert_eq(code, 0, "exit %d", code);
	cr_expect_lt(took, 2 + 10 + 8, "the run took %.1f s", took);
	expect_ok(py(check, p.out, NULL));
	unlink(p.out);
	unlink(p.err);
	cg_limit(&c, dev, 0);
	cg_drop(&c);
	loop_drop(dev, bk);
}
