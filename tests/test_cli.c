// SPDX-License-Identifier: MIT
/*
 * test_cli.c - dgen-uring as users run it: exit codes, refusals, reports
 *
 * Runs the built tool (DGEN_URING_PATH) as a subprocess on tmpfs files and
 * loop devices, then checks what reached the target against the
 * generator, and that refused targets are left byte for byte as they were.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mount.h>
#include <sys/wait.h>

#include "writer_helpers.h"
#include "toolrun.h"

#ifndef DGEN_URING_PATH
#error "meson passes the path of the built tool"
#endif

#define MiB	(1ull << 20)

/* A top-level number of the JSON report (the tool indents those by two). */
static uint64_t json_top(const char *json, const char *key)
{
	char pat[64];
	const char *p;

	snprintf(pat, sizeof(pat), "\n  \"%s\": ", key);
	p = strstr(json, pat);
	cr_assert(p, "no %s in the report:\n%s", key, json);
	return strtoull(p + strlen(pat), NULL, 10);
}

/*
 * A ring's files are released by kernel work that may run just after the
 * process exits, so the first umount can meet EBUSY; retry, then detach.
 */
static void unmount_dir(char *dir)
{
	const struct timespec pause = { 0, 20 * 1000 * 1000 };

	for (int i = 0; i < 100 && umount(dir); i++)
		nanosleep(&pause, NULL);
	umount2(dir, MNT_DETACH);
	rmdir(dir);
}

/* ===== Runs that write ===== */

Test(cli, file_matches_stream)
{
	const char *path = scratch_path("f");
	struct dgen_stream *s = stream_make(99, 5, 6 * MiB, 2.0, 1.5);
	struct run r;

	cr_assert_eq(file_make(path, 4096, 0x11), 0);
	cr_assert_eq(tool(&r, "--dev %s --size 6M --offset 4K --bs 128K --qd 4 --threads 2 --seed 99 --stream 5 --dedup 2 --compress 1.5 --pattern rand --json",
			  path), 0, "%s", r.err);
	cr_assert_eq(json_top(r.out, "bytes"), 6 * MiB);
	cr_assert_eq(path_compare(path, 4096, 6 * MiB, s), 0);
	cr_assert(path_all(path, 0, 4096, 0x11));
	unlink(path);
	dgen_stream_free(s);
}

/* Without --size, a block device is written to its end. */
Test(cli, loop_device_matches_stream)
{
	const char *backing = scratch_path("lb");
	struct dgen_stream *s = stream_make(1, 0, 16 * MiB, 1.0, 1.0);
	const char *dev;
	struct run r;

	cr_assert_eq(file_make(backing, 16 * MiB, 0), 0);
	dev = loop_attach(backing, 0);
	if (!dev) {
		unlink(backing);
		cr_skip_test("cannot attach a loop device here");
	}
	tool(&r, "--dev %s --seed 1 --threads 2 --qd 8 --bs 256K", dev);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_eq(path_compare(dev, 0, 16 * MiB, s), 0);
	cr_expect(strstr(r.out, "status: ok"), "%s", r.out);
	/* The O_EXCL claim ends with the run: a second one starts at once. */
	tool(&r, "--dev %s --seed 1 --threads 2 --force", dev);
	cr_expect_eq(r.code, 0, "%s", r.err);
	loop_detach(dev);
	unlink(backing);
	dgen_stream_free(s);
}

Test(cli, several_targets_get_consecutive_streams)
{
	const char *a = scratch_path("ta"), *b = scratch_path("tb");
	struct dgen_stream *sa = stream_make(8, 10, 2 * MiB, 1.0, 1.0);
	struct dgen_stream *sb = stream_make(8, 11, 2 * MiB, 1.0, 1.0);
	struct run r;

	cr_assert_eq(tool(&r, "--dev %s --dev null --dev %s --size 2M --seed 8 --stream 10 --bs 64K",
			  a, b), 0, "%s", r.err);
	cr_assert_eq(path_compare(a, 0, 2 * MiB, sa), 0);
	/* null is target 1 and takes stream 11: the second file gets 12. */
	cr_assert_eq(path_compare(b, 0, 2 * MiB, sb), 2 * MiB / 4096);
	dgen_stream_free(sb);
	sb = stream_make(8, 12, 2 * MiB, 1.0, 1.0);
	cr_assert_eq(path_compare(b, 0, 2 * MiB, sb), 0);
	unlink(a);
	unlink(b);
	dgen_stream_free(sa);
	dgen_stream_free(sb);
}

/* A drawn seed is printed, and giving it back reproduces the bytes. */
Test(cli, drawn_seed_reproduces)
{
	const char *a = scratch_path("sa"), *b = scratch_path("sb");
	unsigned long long seed;
	const char *p;
	struct run r;

	cr_assert_eq(tool(&r, "--dev %s --size 1M --dedup 3", a), 0, "%s", r.err);
	p = strstr(r.out, "seed ");
	cr_assert(p && strstr(r.out, "drawn at random"), "%s", r.out);
	seed = strtoull(p + 5, NULL, 10);
	cr_assert_eq(tool(&r, "--dev %s --size 1M --dedup 3 --seed %llu", b, seed),
		     0);
	cr_assert_eq(path_hash(a), path_hash(b));
	unlink(a);
	unlink(b);
}

/* The JSON report parses and carries every field the issue lists. */
Test(cli, json_report_has_every_field)
{
	static const char check[] =
		"import json,sys\n"
		"d = json.load(open(sys.argv[1]))\n"
		"need = ['bytes','ops','seconds','gbps','iops','seed','status','job','targets','latency_us','cpu']\n"
		"assert all(k in d for k in need), [k for k in need if k not in d]\n"
		"assert all(k in d['latency_us'] for k in ['p50','p99','p99.9','min','max','mean'])\n"
		"assert all(k in d['cpu'] for k in ['user_s','sys_s','s_per_gb'])\n"
		"assert all(k in d['job'] for k in ['bs','qd','threads','pattern','offset','ring'])\n"
		"t = d['targets'][0]\n"
		"assert all(k in t for k in ['path','type','offset','size','bytes','stream'])\n"
		"s = t['stream']\n"
		"assert all(k in s for k in ['seed','stream_id','size','dedup_ratio','dedup_unit','compress_ratio','format_version','dedup_window','dedup_exact_unit'])\n"
		"assert d['bytes'] == 64 << 20 and d['ops'] == 64 and d['status'] == 'ok'\n"
		"assert s['seed'] == 5 and s['stream_id'] == 3 and s['dedup_ratio'] == 2 and s['dedup_unit'] == 8192\n"
		"assert s['compress_ratio'] == 2.5 and s['format_version'] == 2 and s['dedup_window'] == 8 << 20 and t['type'] == 'null'\n"
		"assert d['latency_us']['p50'] <= d['latency_us']['p99'] <= d['latency_us']['p99.9'] <= d['latency_us']['max']\n"
		"print('ok')\n";
	struct run r;

	cr_assert_eq(tool(&r, "--dev null --size 64M --bs 1M --seed 5 --stream 3 --dedup 2 --dedup-unit 8K --compress 2.5 --dedup-window 8M --json"),
		     0, "%s", r.err);
	if (!shell_line("command -v python3"))
		cr_skip_test("python3 is needed to parse the JSON report");
	cr_assert_str_eq(py_check(check, r.out, NULL), "ok", "%s", r.out);
}

/* K/M/G/T alone, with B or with iB, any case: all powers of 1024. */
Test(cli, size_suffixes)
{
	static const struct {
		const char *size, *bs;
		uint64_t bytes;
	} cases[] = {
		{ "3MiB", "64KiB", 3 * MiB },
		{ "3m", "64k", 3 * MiB },
		{ "2MB", "512", 2 * MiB },
		{ "1g", "1M", 1024 * MiB },
		{ "1048576", "4KB", MiB },
	};
	struct run r;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_assert_eq(tool(&r, "--dev null --size %s --bs %s --seed 1 --json",
				  cases[i].size, cases[i].bs), 0, "%s", r.err);
		cr_assert_eq(json_top(r.out, "bytes"), cases[i].bytes, "--size %s",
			     cases[i].size);
	}
}

Test(cli, help_and_version)
{
	struct run r;

	cr_assert_eq(tool(&r, "--help"), 0);
	cr_assert(strstr(r.out, "--dev PATH") && strstr(r.out, "--dedup-window"));
	/* The option of format 1 is refused with a sentence. */
	cr_assert_eq(tool(&r, "--dev null --size 1M --compress-chunk 2K"), 2);
	cr_assert(strstr(r.err, "--compress-chunk is gone"), "%s", r.err);
	cr_assert_eq(tool(&r, "--version"), 0);
	cr_assert(strstr(r.out, DGEN_VERSION_STRING));
}

/* ===== Refusals: exit 2, a clear message, the target untouched ===== */

struct bad_args {
	char args[96];
	char says[32];
};

ParameterizedTestParameters(cli, nonsense_refused)
{
	static struct bad_args cases[] = {
		{ "--size abc", "not a size" },
		{ "--size -1", "not a size" },
		{ "--size 1X", "not a size" },
		{ "--size 1.5G", "not a size" },
		{ "--size 99999999999T", "too large" },
		{ "--size 0", "--size 0" },
		{ "--size 1M --bs 0", "--bs 0" },
		{ "--size 1M --bs 1000", "I/O size 1000" },
		{ "--size 1M --offset 100", "multiples" },
		{ "--size 1000", "multiples" },
		{ "--size 1M --qd 0", "--qd 0" },
		{ "--size 1M --threads 0", "--threads 0" },
		{ "--size 1M --dedup 0.5", "--dedup" },
		{ "--size 1M --compress 1000", "compress ratio" },
		{ "--size 1M --dedup-unit 3000", "dedup unit 3000" },
		{ "--size 1M --pattern zigzag", "--pattern" },
		{ "--size 1M --seed x", "--seed" },
		{ "--size 1M --bogus", "unknown option" },
		{ "--size 1M --dev /tmp/../tmp/dgen-same --dev /tmp/dgen-same", "same target" },
	};

	return cr_make_param_array(struct bad_args, cases,
				   sizeof(cases) / sizeof(cases[0]));
}

ParameterizedTest(struct bad_args *c, cli, nonsense_refused)
{
	const char *path = scratch_path("bad");
	struct run r;

	cr_assert_eq(tool(&r, "--dev %s %s", path, c->args), 2, "%s: %s",
		     c->args, r.err);
	cr_assert(strstr(r.err, c->says), "%s: %s", c->args, r.err);
	cr_assert_eq(access(path, F_OK), -1, "%s: the file was created", c->args);
}

Test(cli, no_target_refused)
{
	struct run r;

	cr_assert_eq(tool(&r, "--size 1M"), 2);
	cr_assert(strstr(r.err, "--dev"), "%s", r.err);
}

/*
 * Validation covers every target before anything is written: when the last
 * one is refused, an existing file is neither written nor extended and a
 * new one is not left behind.
 */
Test(cli, one_refused_target_leaves_all_untouched)
{
	const char *old = scratch_path("old"), *new = scratch_path("new");
	struct stat st;
	uint64_t h;
	struct run r;

	cr_assert_eq(file_make(old, MiB, 0x3c), 0);
	h = path_hash(old);
	tool(&r, "--dev %s --dev %s --dev /tmp --size 4M", old, new);
	cr_assert_eq(r.code, 2, "%s", r.err);
	cr_assert(strstr(r.err, "/tmp is neither"), "%s", r.err);
	cr_assert_eq(stat(old, &st), 0);
	cr_assert_eq(st.st_size, (off_t)MiB, "the file was extended");
	cr_assert_eq(path_hash(old), h);
	cr_assert_eq(access(new, F_OK), -1, "a refused run created a file");
	unlink(old);
}

/*
 * A drive name that is not there (a burn-in script looping over names) is
 * refused as a missing device: exit 2, no file made in /dev.
 */
Test(cli, missing_device_refused)
{
	const char *path = devtmpfs_missing_path("nvme9n1");
	struct stat st;
	struct run r;
	int made, fd;

	if (!path)
		cr_skip_test("/dev is not devtmpfs here");
	unlink(path);
	tool(&r, "--dev %s --size 64M", path);
	made = access(path, F_OK) == 0;
	unlink(path);
	cr_assert_eq(r.code, 2, "%s%s", r.out, r.err);
	cr_assert(!made, "the run made %s", path);
	cr_assert(strstr(r.err, path) && strstr(r.err, "no such device"), "%s", r.err);
	/* So is a regular file left there by an older version, and verify. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
	cr_assert_geq(fd, 0, "cannot make %s: %s", path, strerror(errno));
	close(fd);
	tool(&r, "--dev %s --size 64M --verify --passes 1", path);
	cr_assert_eq(stat(path, &st), 0);
	unlink(path);
	cr_assert_eq(r.code, 2, "%s%s", r.out, r.err);
	cr_assert(strstr(r.err, "no such device"), "%s", r.err);
	cr_assert_eq(st.st_size, 0, "the file in /dev was written");
}

/* A loop device over @size bytes of 0x3c, or skip. */
static const char *loop_make(const char *backing, uint64_t size, int ro)
{
	const char *dev;

	cr_assert_eq(file_make(backing, size, 0x3c), 0);
	dev = loop_attach(backing, ro);
	if (!dev) {
		unlink(backing);
		cr_skip_test("cannot attach a loop device here");
	}
	return dev;
}

Test(cli, read_only_device_refused)
{
	const char *backing = scratch_path("ro");
	const char *dev = loop_make(backing, 4 * MiB, 1);
	uint64_t h = path_hash(backing);
	struct run r;

	tool(&r, "--dev %s --seed 1", dev);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "read-only"), "%s", r.err);
	cr_expect_eq(path_hash(backing), h);
	loop_detach(dev);
	unlink(backing);
}

Test(cli, read_only_filesystem_refused)
{
	char dir[] = "/tmp/dgen-ro-XXXXXX", path[64];
	struct run r;

	cr_assert(mkdtemp(dir));
	if (mount("tmpfs", dir, "tmpfs", MS_RDONLY, "size=1M")) {
		rmdir(dir);
		cr_skip_test("cannot mount a tmpfs here (needs root)");
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	tool(&r, "--dev %s --size 1M", path);
	unmount_dir(dir);
	cr_assert_eq(r.code, 2, "%s", r.err);
	cr_assert(strstr(r.err, "read-only"), "%s", r.err);
}

Test(cli, too_small_device_refused)
{
	const char *backing = scratch_path("small");
	const char *dev = loop_make(backing, 8 * MiB, 0);
	uint64_t h = path_hash(backing);
	struct run r;

	tool(&r, "--dev %s --size 16M", dev);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "too small"), "%s", r.err);
	tool(&r, "--dev %s --size 4M --offset 6M", dev);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect_eq(path_hash(backing), h);
	loop_detach(dev);
	unlink(backing);
}

Test(cli, unaligned_on_device_refused)
{
	const char *backing = scratch_path("unal");
	const char *dev = loop_make(backing, 4 * MiB, 0);
	uint64_t h = path_hash(backing);
	struct run r;

	tool(&r, "--dev %s --bs 1000", dev);
	cr_expect_eq(r.code, 2, "%s", r.err);
	tool(&r, "--dev %s --offset 100 --size 1M", dev);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "multiples of 512"), "%s", r.err);
	cr_expect_eq(path_hash(backing), h);
	loop_detach(dev);
	unlink(backing);
}

Test(cli, signature_refused_without_force)
{
	const char *backing = scratch_path("gpt");
	struct dgen_stream *s = stream_make(2, 0, 4 * MiB, 1.0, 1.0);
	const char *dev;
	uint64_t h;
	struct run r;
	char cmd[512];

	cr_assert_eq(file_make(backing, 4 * MiB, 0), 0);
	snprintf(cmd, sizeof(cmd), "echo 'label: gpt' | sfdisk -q --wipe never %s >/dev/null 2>&1",
		 backing);
	if (system(cmd)) {
		unlink(backing);
		cr_skip_test("no sfdisk to write a GPT");
	}
	dev = loop_attach(backing, 0);
	if (!dev) {
		unlink(backing);
		cr_skip_test("cannot attach a loop device here");
	}
	h = path_hash(backing);
	tool(&r, "--dev %s --seed 2", dev);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "gpt at offset 0x200") && strstr(r.err, "--force"),
		  "%s", r.err);
	cr_expect_eq(path_hash(backing), h);
	tool(&r, "--dev %s --seed 2 --force", dev);
	cr_expect_eq(r.code, 0, "%s", r.err);
	cr_expect_eq(path_compare(dev, 0, 4 * MiB, s), 0);
	loop_detach(dev);
	unlink(backing);
	dgen_stream_free(s);
}

Test(cli, mounted_device_refused)
{
	const char *backing = scratch_path("ext4");
	char dir[] = "/tmp/dgen-mnt-XXXXXX", cmd[512];
	const char *dev;
	uint64_t h;
	struct run r;

	if (!shell_line("command -v mkfs.ext4"))
		cr_skip_test("mkfs.ext4 (e2fsprogs) is needed to make a filesystem");
	cr_assert_eq(file_make(backing, 16 * MiB, 0), 0);
	snprintf(cmd, sizeof(cmd),
		 "mkfs.ext4 -q -F -E lazy_itable_init=0,lazy_journal_init=0 %s && echo ok",
		 backing);
	cr_assert(shell_line(cmd));
	dev = loop_attach(backing, 0);
	if (!dev) {
		unlink(backing);
		cr_skip_test("cannot attach a loop device here");
	}
	cr_assert(mkdtemp(dir));
	if (mount(dev, dir, "ext4", 0, NULL)) {
		loop_detach(dev);
		unlink(backing);
		rmdir(dir);
		cr_skip_test("cannot mount ext4 here");
	}
	/* The refusal must come before any byte: the first MiB is what a run
	 * would write first (--force too, since a mount beats --force). */
	h = path_hash(dev);
	tool(&r, "--dev %s --size 1M --force", dev);
	cr_expect_eq(r.code, 2, "%s", r.err);
	cr_expect(strstr(r.err, "in use"), "%s", r.err);
	cr_expect_eq(path_hash(dev), h);
	unmount_dir(dir);
	loop_detach(dev);
	unlink(backing);
}

/* ===== Failures and interruptions ===== */

/* ENOSPC mid-run: exit 3, the failing offset in the message and report. */
Test(cli, enospc_exits_3_with_offset)
{
	char dir[] = "/tmp/dgen-full-XXXXXX", path[64];
	uint64_t off;
	const char *p;
	struct run r;

	cr_assert(mkdtemp(dir));
	if (mount("tmpfs", dir, "tmpfs", 0, "size=8M")) {
		rmdir(dir);
		cr_skip_test("cannot mount a small tmpfs here (needs root)");
	}
	snprintf(path, sizeof(path), "%s/f", dir);
	tool(&r, "--dev %s --size 16M --bs 1M --threads 1 --qd 2 --json", path);
	unmount_dir(dir);
	if (r.code == 2 && strstr(r.err, "O_DIRECT"))
		cr_skip_test("tmpfs takes O_DIRECT only from Linux 6.6: %s", r.err);
	cr_assert_eq(r.code, 3, "%s", r.err);
	cr_assert(strstr(r.err, "No space left on device"), "%s", r.err);
	p = strstr(r.err, "at offset ");
	cr_assert(p, "%s", r.err);
	off = strtoull(p + 10, NULL, 10);
	cr_assert(off > 0 && off <= 8 * MiB, "offset %llu", (unsigned long long)off);
	cr_assert(strstr(r.out, "\"status\": \"error\"") &&
		  strstr(r.out, "\"errno\": 28"), "%s", r.out);
	cr_assert_lt(json_top(r.out, "bytes"), 16 * MiB);
}

struct sig_case {
	int sig;
};

ParameterizedTestParameters(cli, signal_stops_with_truthful_report)
{
	static struct sig_case cases[] = { { SIGINT }, { SIGTERM } };

	return cr_make_param_array(struct sig_case, cases, 2);
}

/*
 * One thread writing in order: what reached the file is a prefix, so the
 * report's byte count N must be exactly the part that matches the stream,
 * with the unit after it never written (still a hole of zeros).
 */
ParameterizedTest(struct sig_case *c, cli, signal_stops_with_truthful_report)
{
	const char *path = scratch_path("intr"), *out = scratch_path("iout");
	const uint64_t size = 4ull << 30;
	struct dgen_stream *s = stream_make(4, 0, size, 1.0, 1.0);
	char cmd[1024], *argv[] = { "sh", "-c", cmd, NULL };
	static char report[1 << 16];
	const struct timespec pause = { 0, 100 * 1000 * 1000 };
	const struct timespec tick = { 0, 10 * 1000 * 1000 };
	extern char **environ;
	struct stat st;
	uint64_t n;
	pid_t pid;
	int status;

	unlink(path);	/* fresh: its first blocks mark the first write */
	snprintf(cmd, sizeof(cmd),
		 "exec %s --dev %s --size 4G --threads 1 --qd 8 --bs 1M --seed 4 --json >%s",
		 DGEN_URING_PATH, path, out);
	cr_assert_eq(posix_spawn(&pid, "/bin/sh", NULL, NULL, argv, environ), 0);
	/*
	 * The file reaches its full size once the handlers are in place; its
	 * first blocks (tmpfs allocates on write) appear once the writer's
	 * threads are pinned, their buffers placed and registered, and data
	 * flows: only then is the signal a mid-run one. A minute at most:
	 * the wait ends as soon as data flows, and a slow start-up (ASan on
	 * busy cores) must not make the signal land before it.
	 */
	for (int i = 0; i < 6000 && (stat(path, &st) || (uint64_t)st.st_size < size ||
				     !st.st_blocks); i++)
		nanosleep(&tick, NULL);
	nanosleep(&pause, NULL);
	kill(pid, c->sig);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	slurp(out, report, sizeof(report));
	cr_assert_eq(code_of(status), 130, "%s", report);
	cr_assert(strstr(report, "\"status\": \"interrupted\""), "%s", report);
	n = json_top(report, "bytes");
	cr_assert(n > 0 && n < size, "bytes %llu", (unsigned long long)n);
	cr_assert_eq(path_compare(path, 0, n, s), 0);
	cr_assert(path_all(path, n, MiB, 0), "more reached the file than reported");
	unlink(path);
	dgen_stream_free(s);
}

/* ===== The live status line ===== */

/*
 * Run the tool with @args (split on spaces) with stderr on a terminal (a
 * pty) and stdout to /dev/null; what it drew on the terminal into @buf.
 * Returns the exit status.
 */
static int on_terminal(const char *args, char *buf, size_t len)
{
	char line[1024], *argv[32], *save = NULL;
	size_t n = 0;
	ssize_t got;
	int fd, status, argc = 0;
	pid_t pid;

	snprintf(line, sizeof(line), "%s", args);
	argv[argc++] = (char *)DGEN_URING_PATH;
	for (char *w = strtok_r(line, " ", &save); w && argc < 31;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	pid = forkpty(&fd, NULL, NULL, NULL);
	cr_assert_geq(pid, 0, "forkpty: %s", strerror(errno));
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		execv(DGEN_URING_PATH, argv);
		_exit(127);
	}
	/* EIO once the child is gone and the terminal hung up. */
	while (n + 1 < len && (got = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)got;
	buf[n] = 0;
	close(fd);
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	return code_of(status);
}

/*
 * A burn-in on a terminal draws one live line, redrawn in place each
 * second: phase, pass, bytes of the run, percent, GB/s, time left,
 * mismatches; and takes it off before the report. With --json (a script
 * reading stderr) there is none. Each phase lasts two seconds at the
 * rate cap, so a redraw falls inside it however late the first one comes
 * on a loaded machine (at one second a phase, the redraws fell on the
 * phase boundaries and could miss the first write).
 */
Test(cli, live_status_on_a_terminal)
{
	static char term[1 << 16];
	const char *p;

	cr_assert_eq(on_terminal("--dev null --size 192M --seed 1 --threads 1 --passes 1 --verify --rate 96M",
				 term, sizeof(term)), 0, "%s", term);
	p = strstr(term, "\rwrite  pass 1  ");
	cr_assert(p, "no live line: %s", term);
	cr_assert(strstr(p, " / 0.40 GB ") && strstr(p, "%  ") &&
		  strstr(p, " GB/s") && strstr(p, "ETA ") &&
		  strstr(p, "mismatches 0\033[K"), "%s", p);
	cr_assert(strstr(term, "\rverify pass "), "no verify phase: %s", term);
	cr_assert(strstr(term, "\r\033[K"), "the line was not taken off");
	cr_assert_eq(on_terminal("--dev null --size 64M --seed 1 --threads 1 --verify --rate 64M --json",
				 term, sizeof(term)), 0, "%s", term);
	cr_assert_null(strchr(term, '\r'), "a live line with --json: %s", term);
}
