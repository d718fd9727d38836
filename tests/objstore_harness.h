/* SPDX-License-Identifier: MIT */
/*
 * objstore_harness.h - real object-store servers for the tests, and a
 * TCP proxy that slows or fails what goes through it
 *
 * The servers are the npm packages s3rver (S3) and Azurite (Azure Blob),
 * installed once into a cache under the build directory
 * (DGEN_NPM_CACHE, by `npm install --prefix`; a lock file serialises the
 * test programs that share it) and started per test on 127.0.0.1 with
 * port 0: the port they took is read from their log. Each server's data
 * lives in a scratch directory of its own under /dev/shm. A server dies
 * with its test: it is killed at exit and on the test's end, and the
 * kernel kills it if the test process dies (PR_SET_PDEATHSIG). Only npm
 * itself missing skips a test; a failed install fails it.
 *
 * The proxy listens on 127.0.0.1 (port 0) and relays to a server's port
 * in threads of the test process: with a rate, every connection's bytes
 * share one token bucket, so an endpoint behind it is slow; with fail_first
 * N, the first N requests are answered 503 SlowDown and closed, as S3
 * does when it throttles.
 */
#ifndef DGEN_OBJSTORE_HARNESS_H
#define DGEN_OBJSTORE_HARNESS_H

#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef DGEN_NPM_CACHE
#error "meson passes the npm cache directory"
#endif

#define S3RVER_PKG	"s3rver@3.7.1"
#define AZURITE_PKG	"azurite@3.35.0"
#define SERVER_WAIT_S	90		/* node's start on a loaded machine */
#define AZ_KEY		"Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

static inline double h_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* 1 when @prog is an executable file in PATH (or an absolute path). */
static inline int h_have(const char *prog)
{
	char buf[4096], *path, *dir, *save = NULL;

	if (prog[0] == '/')
		return access(prog, X_OK) == 0;
	path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	for (dir = path ? strtok_r(path, ":", &save) : NULL; dir;
	     dir = strtok_r(NULL, ":", &save)) {
		snprintf(buf, sizeof(buf), "%s/%s", dir, prog);
		if (access(buf, X_OK) == 0) {
			free(path);
			return 1;
		}
	}
	free(path);
	return 0;
}

/* Install the servers into the cache once; skip only without npm. */
static inline void h_npm(void)
{
	char cmd[8192], bin[4096];
	int fd, rc;

	if (!h_have("npm") || !h_have("node"))
		cr_skip_test("npm is absent: the object-store servers (s3rver, Azurite) come from npm (Debian: nodejs, npm)");
	mkdir(DGEN_NPM_CACHE, 0755);
	fd = open(DGEN_NPM_CACHE "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	cr_assert(fd >= 0, "cannot open the npm cache's lock: %s", strerror(errno));
	flock(fd, LOCK_EX);
	snprintf(bin, sizeof(bin), "%s/node_modules/.bin/azurite-blob", DGEN_NPM_CACHE);
	if (access(bin, X_OK) || access(DGEN_NPM_CACHE "/node_modules/.bin/s3rver", X_OK)) {
		snprintf(cmd, sizeof(cmd),
			 "npm install --prefix '%s' --no-audit --no-fund --loglevel=error %s %s > '%s/install.log' 2>&1",
			 DGEN_NPM_CACHE, S3RVER_PKG, AZURITE_PKG, DGEN_NPM_CACHE);
		rc = system(cmd);
		cr_assert(rc == 0, "npm install of %s and %s failed (see %s/install.log)",
			  S3RVER_PKG, AZURITE_PKG, DGEN_NPM_CACHE);
	}
	flock(fd, LOCK_UN);
	close(fd);
}

/* ===== Scratch and servers ===== */

#define H_SERVERS_MAX	4

static pid_t h_pids[H_SERVERS_MAX];
static char h_scratch[256];

static inline int h_rm_one(const char *p, const struct stat *st, int flag,
			   struct FTW *f)
{
	(void)st, (void)flag, (void)f;
	remove(p);
	return 0;
}

/* Kill the servers, remove the scratch directory. Safe to call twice. */
static inline void h_cleanup(void)
{
	for (int i = 0; i < H_SERVERS_MAX; i++)
		if (h_pids[i] > 0) {
			kill(h_pids[i], SIGCONT);
			kill(h_pids[i], SIGKILL);
			waitpid(h_pids[i], NULL, 0);
			h_pids[i] = 0;
		}
	if (h_scratch[0]) {
		nftw(h_scratch, h_rm_one, 16, FTW_DEPTH | FTW_PHYS);
		h_scratch[0] = 0;
	}
}

/* A scratch directory of this test's own, and cleanup at its exit. */
static inline const char *h_scratch_dir(void)
{
	if (!h_scratch[0]) {
		snprintf(h_scratch, sizeof(h_scratch), "/dev/shm/dgen-obj-%d-XXXXXX",
			 (int)getpid());
		cr_assert(mkdtemp(h_scratch), "mkdtemp: %s", strerror(errno));
		atexit(h_cleanup);
	}
	return h_scratch;
}

/* The port a server's log says it listens on; 0 while it says none. */
static inline int h_log_port(const char *log)
{
	char line[1024];
	int port = 0;
	FILE *f = fopen(log, "re");

	while (f && !port && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "127.0.0.1:");

		if (p && strstr(line, "listen"))
			port = atoi(p + 10);
	}
	if (f)
		fclose(f);
	return port;
}

/*
 * Start @argv (a server of the npm cache) with its log in the scratch
 * directory; wait for its port. Returns the server's slot.
 */
static inline int h_server(const char *name, char *const argv[], int *port)
{
	char log[512];
	double t0 = h_now();
	int slot = 0;
	pid_t pid;

	while (slot < H_SERVERS_MAX && h_pids[slot] > 0)
		slot++;
	cr_assert(slot < H_SERVERS_MAX, "too many servers");
	snprintf(log, sizeof(log), "%s/%s-%d.log", h_scratch_dir(), name, slot);
	pid = fork();
	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (!pid) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		setpgid(0, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		execv(argv[0], argv);
		_exit(127);
	}
	h_pids[slot] = pid;
	while (!(*port = h_log_port(log))) {
		int st;

		cr_assert(waitpid(pid, &st, WNOHANG) == 0,
			  "%s exited before it listened (log %s)", name, log);
		cr_assert(h_now() - t0 < SERVER_WAIT_S,
			  "%s did not listen within %d s (log %s)", name,
			  SERVER_WAIT_S, log);
		usleep(50000);
	}
	return slot;
}

/* s3rver on 127.0.0.1 with bucket @bucket; returns its slot. */
static inline int h_s3rver(const char *bucket, int *port)
{
	char dir[512];
	char *argv[] = { DGEN_NPM_CACHE "/node_modules/.bin/s3rver", "-d", dir,
			 "-a", "127.0.0.1", "-p", "0", "--silent",
			 "--configure-bucket", (char *)bucket, NULL };

	h_npm();
	snprintf(dir, sizeof(dir), "%s/s3rver-%d", h_scratch_dir(), (int)h_now());
	mkdir(dir, 0755);
	return h_server("s3rver", argv, port);
}

/* Azurite's blob service on 127.0.0.1; returns its slot. */
static inline int h_azurite(int *port)
{
	char dir[512];
	char *argv[] = { DGEN_NPM_CACHE "/node_modules/.bin/azurite-blob",
			 "--blobHost", "127.0.0.1", "--blobPort", "0", "-l", dir,
			 "--silent", "--disableTelemetry", "--skipApiVersionCheck",
			 NULL };

	h_npm();
	snprintf(dir, sizeof(dir), "%s/azurite-%d", h_scratch_dir(), (int)h_now());
	mkdir(dir, 0755);
	return h_server("azurite", argv, port);
}

/* Kill server @slot now (SIGKILL), as a crash would. */
static inline void h_kill(int slot)
{
	kill(h_pids[slot], SIGKILL);
	waitpid(h_pids[slot], NULL, 0);
	h_pids[slot] = 0;
}

/* ===== The proxy ===== */

struct h_proxy {
	int lfd, port, up_port;
	double rate;			/* bytes/s, all connections; 0: none */
	int fail_first;			/* answer this many requests 503 */
	int stop;			/* atomic */
	int live;			/* atomic: relay threads running */
	int failed;			/* atomic: requests answered 503 */
	FILE *record;			/* request heads, NUL-ended, or NULL */
	pthread_mutex_t lock;
	double next;			/* the token bucket's next free time */
	pthread_t tid;
};

struct h_conn {
	struct h_proxy *p;
	int c, u;
	/* Recording: the head being read, then the body's bytes to skip
	 * (a request's body has a Content-Length: nothing here chunks). */
	char head[16384];
	size_t n;
	uint64_t skip;
};

/* Follow the client's bytes @b (@n) and save each request's head. */
static inline void h_record(struct h_conn *c, const char *b, size_t n)
{
	while (n) {
		char *end, *cl;

		if (c->skip) {
			size_t k = c->skip < n ? (size_t)c->skip : n;

			c->skip -= k;
			b += k;
			n -= k;
			continue;
		}
		c->head[c->n < sizeof(c->head) - 1 ? c->n++ : c->n] = *b++;
		n--;
		c->head[c->n] = 0;
		if (!(end = strstr(c->head, "\r\n\r\n")))
			continue;
		pthread_mutex_lock(&c->p->lock);
		fwrite(c->head, 1, (size_t)(end - c->head) + 4, c->p->record);
		fputc(0, c->p->record);
		fflush(c->p->record);
		pthread_mutex_unlock(&c->p->lock);
		cl = strcasestr(c->head, "\r\ncontent-length:");
		c->skip = cl ? strtoull(cl + 17, NULL, 10) : 0;
		c->n = 0;
	}
}

/* Book @n bytes on the shared bucket and sleep until they may go. */
static inline void h_throttle(struct h_proxy *p, size_t n)
{
	double at, now = h_now();

	if (p->rate <= 0)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->next < now)
		p->next = now;
	at = p->next;
	p->next += (double)n / p->rate;
	pthread_mutex_unlock(&p->lock);
	while ((now = h_now()) < at && !__atomic_load_n(&p->stop, __ATOMIC_RELAXED))
		usleep((useconds_t)((at - now) * 1e6 > 20000 ? 20000 : (at - now) * 1e6 + 1));
}

static inline int h_send_all(int fd, const char *b, size_t n)
{
	while (n) {
		ssize_t k = send(fd, b, n, MSG_NOSIGNAL);

		if (k <= 0)
			return -1;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* Read the request's head and answer 503 SlowDown; 1 when it did. */
static inline int h_fail_one(struct h_conn *c)
{
	static const char body[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>";
	char head[16384], resp[512];
	size_t n = 0;

	if (__atomic_add_fetch(&c->p->failed, 1, __ATOMIC_RELAXED) > c->p->fail_first)
		return 0;
	while (n < sizeof(head) - 1 && !memmem(head, n, "\r\n\r\n", 4)) {
		ssize_t k = recv(c->c, head + n, sizeof(head) - 1 - n, 0);

		if (k <= 0)
			break;
		n += (size_t)k;
	}
	snprintf(resp, sizeof(resp), "HTTP/1.1 503 Slow Down\r\nContent-Type: application/xml\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s",
		 sizeof(body) - 1, body);
	h_send_all(c->c, resp, strlen(resp));
	shutdown(c->c, SHUT_WR);
	return 1;
}

static inline void *h_relay(void *arg)
{
	struct h_conn *c = arg;
	struct h_proxy *p = c->p;
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
		.sin_port = htons((uint16_t)p->up_port) };
	static __thread char buf[65536];

	if (p->fail_first && h_fail_one(c))
		goto out;
	c->u = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->u < 0 || connect(c->u, (struct sockaddr *)&a, sizeof(a)))
		goto out;
	while (!__atomic_load_n(&p->stop, __ATOMIC_RELAXED)) {
		struct pollfd pf[2] = { { c->c, POLLIN, 0 }, { c->u, POLLIN, 0 } };
		int k = poll(pf, 2, 100), done = 0;

		for (int i = 0; k > 0 && i < 2; i++) {
			ssize_t n;

			if (!pf[i].revents)
				continue;
			/* Small reads keep the bucket's pace smooth. */
			n = recv(pf[i].fd, buf, p->rate > 0 ? 16384 : sizeof(buf), 0);
			if (n <= 0) {
				done = 1;
				break;
			}
			h_throttle(p, (size_t)n);
			if (!i && p->record)
				h_record(c, buf, (size_t)n);
			if (h_send_all(i ? c->c : c->u, buf, (size_t)n)) {
				done = 1;
				break;
			}
		}
		if (done)
			break;
	}
out:
	close(c->c);
	if (c->u >= 0)
		close(c->u);
	__atomic_sub_fetch(&p->live, 1, __ATOMIC_RELEASE);
	free(c);
	return NULL;
}

static inline void *h_accept(void *arg)
{
	struct h_proxy *p = arg;

	while (!__atomic_load_n(&p->stop, __ATOMIC_RELAXED)) {
		struct pollfd pf = { p->lfd, POLLIN, 0 };
		struct h_conn *c;
		pthread_t t;
		int fd;

		if (poll(&pf, 1, 100) <= 0)
			continue;
		fd = accept4(p->lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		c = calloc(1, sizeof(*c));
		c->p = p;
		c->c = fd;
		c->u = -1;
		__atomic_add_fetch(&p->live, 1, __ATOMIC_ACQUIRE);
		if (pthread_create(&t, NULL, h_relay, c)) {
			__atomic_sub_fetch(&p->live, 1, __ATOMIC_RELEASE);
			close(fd);
			free(c);
			continue;
		}
		pthread_detach(t);
	}
	return NULL;
}

/* Start a proxy to 127.0.0.1:@up_port; its port in p->port. */
static inline void h_proxy_start(struct h_proxy *p, int up_port, double rate,
				 int fail_first)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);

	memset(p, 0, sizeof(*p));
	p->up_port = up_port;
	p->rate = rate;
	p->fail_first = fail_first;
	pthread_mutex_init(&p->lock, NULL);
	p->lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert(p->lfd >= 0 && !bind(p->lfd, (struct sockaddr *)&a, sizeof(a)) &&
		  !listen(p->lfd, 128) &&
		  !getsockname(p->lfd, (struct sockaddr *)&a, &len),
		  "proxy socket: %s", strerror(errno));
	p->port = ntohs(a.sin_port);
	cr_assert(!pthread_create(&p->tid, NULL, h_accept, p));
}

/* Stop the proxy; its relays end within a poll (100 ms) or two. */
static inline void h_proxy_stop(struct h_proxy *p)
{
	double t0 = h_now();

	__atomic_store_n(&p->stop, 1, __ATOMIC_RELAXED);
	pthread_join(p->tid, NULL);
	close(p->lfd);
	while (__atomic_load_n(&p->live, __ATOMIC_ACQUIRE) && h_now() - t0 < 5)
		usleep(10000);
}

#endif /* DGEN_OBJSTORE_HARNESS_H */
