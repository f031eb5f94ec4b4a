// kplug-agent: the guest side of the kplug agent protocol (see PROTOCOL.md).
// Runs as PID 1 (exec'd by /init) and serves one request at a time over the
// virtio-serial port named kplug.agent, or over fd 0/1 with --stdio (host tests).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME (64u << 20)
#define OUTPUT_CAP (16u << 20)
#define DEVIO_CAP (16u << 20)
#define PORT_NAME "kplug.agent"
#define PORTS_DIR "/sys/class/virtio-ports"
#define KILL_GRACE_MS 1000 // after SIGKILL: a child not reaped by then is stuck in the kernel

enum { T_READY = 0x01, T_EXEC = 0x10, T_EXEC_RESULT = 0x11, T_WRITE_FILE = 0x20, T_WRITE_RESULT = 0x21,
	T_DEVIO = 0x30, T_DEVIO_RESULT = 0x31, T_POWEROFF = 0x40, T_POWEROFF_ACK = 0x41, T_PING = 0x50, T_PONG = 0x51, T_STUCK = 0x7e, T_ERROR = 0x7f };

struct buf { unsigned char *p; size_t len, cap; };
struct field { const void *p; size_t len; };

static int in_fd = 0, out_fd = 1, stdio_mode;
static char errbuf[160]; // text of the ERROR being returned by a handler
static int sigchld_pipe[2]; // self-pipe: SIGCHLD wakes the EXEC poll loop without a race
static char *child_env[] = {"PATH=/sbin:/usr/sbin:/bin:/usr/bin", "HOME=/", "TERM=dumb", NULL};

static void on_sigchld(int sig) {
	int saved = errno;
	if (write(sigchld_pipe[1], &sig, 1) < 0) {} // full pipe: a wake-up is pending anyway
	errno = saved;
}

// A request that fails part-way (out of memory, poll) returns to the serve loop through here.
static sigjmp_buf recover;
static int serving; // a request is being handled: die() answers ERROR and the agent serves on
static pid_t agent_pid, current_child = -1;
static char current_id[32]; // the id of the request being handled, for that ERROR
static size_t current_id_len;
#define MAX_FDS 1024
static unsigned char kept_fd[MAX_FDS]; // descriptors open before serving: everything else belongs to a request

// PID 1 must never return or exit (the kernel panics): power the guest off instead, or wait to be killed.
static _Noreturn void power_off(void) {
	if (stdio_mode) exit(1); // host tests: not PID 1
	sync();
	reboot(RB_POWER_OFF);
	fprintf(stderr, "kplug-agent: reboot(RB_POWER_OFF): %s\n", strerror(errno));
	for (;;) pause();
}

// A failure the agent cannot answer normally: in a request, an ERROR for it; before serving, power off.
static _Noreturn void die(const char *what) {
	int e = errno;
	if (getpid() != agent_pid) _exit(127); // a forked child (before exec or in an I/O child): only it goes
	snprintf(errbuf, sizeof errbuf, "%s: %s", what, strerror(e));
	fprintf(stderr, "kplug-agent: %s\n", errbuf);
	if (serving) siglongjmp(recover, 1);
	power_off();
}

static void buf_add(struct buf *b, const void *data, size_t n) {
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n) cap *= 2;
		unsigned char *p = realloc(b->p, cap);
		if (!p) die("realloc");
		b->p = p;
		b->cap = cap;
	}
	if (n) memcpy(b->p + b->len, data, n);
	b->len += n;
}

static void put_u32(unsigned char *p, uint32_t v) {
	p[0] = v & 0xff, p[1] = (v >> 8) & 0xff, p[2] = (v >> 16) & 0xff, p[3] = v >> 24;
}

static uint32_t get_u32(const unsigned char *p) {
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static struct field fstr(const char *s) { return (struct field){s, strlen(s)}; }

// 1: got n bytes; 0: EOF before the first byte; -1: error or EOF part-way.
static int read_full(int fd, void *dst, size_t n) {
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)dst + got, n - got);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) return -1;
		if (r == 0) return got == 0 ? 0 : -1;
		got += (size_t)r;
	}
	return 1;
}

static int write_full(int fd, const void *src, size_t n) {
	size_t done = 0;
	while (done < n) {
		ssize_t w = write(fd, (const char *)src + done, n - done);
		if (w < 0 && errno == EINTR) continue;
		if (w < 0) return -1;
		done += (size_t)w;
	}
	return 0;
}

// Writes all of an iovec array (writev may stop part-way on a pipe or port).
static int writev_full(int fd, struct iovec *iov, int n) {
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);
		if (w < 0 && errno == EINTR) continue;
		if (w < 0) return -1;
		for (; n > 0 && (size_t)w >= iov->iov_len; iov++, n--) w -= (ssize_t)iov->iov_len;
		if (n > 0) iov->iov_base = (char *)iov->iov_base + w, iov->iov_len -= (size_t)w;
	}
	return 0;
}

// Sends one frame without allocating, so that an ERROR can still go out when memory has run out.
static void send_msg(int type, size_t n, const struct field *fields) {
	enum { MAX_FIELDS = 16 };
	unsigned char head[9], lens[MAX_FIELDS][4];
	struct iovec iov[1 + 2 * MAX_FIELDS];
	size_t len = 5;
	if (n > MAX_FIELDS) n = MAX_FIELDS;
	for (size_t i = 0; i < n; i++) len += 4 + fields[i].len;
	put_u32(head, (uint32_t)len);
	head[4] = (unsigned char)type;
	put_u32(head + 5, (uint32_t)n);
	iov[0] = (struct iovec){head, sizeof head};
	for (size_t i = 0; i < n; i++) {
		put_u32(lens[i], (uint32_t)fields[i].len);
		iov[1 + 2 * i] = (struct iovec){lens[i], 4};
		iov[2 + 2 * i] = (struct iovec){(void *)fields[i].p, fields[i].len};
	}
	if (writev_full(out_fd, iov, (int)(1 + 2 * n)) < 0) fprintf(stderr, "kplug-agent: write to host: %s\n", strerror(errno));
}

static void send_error(const struct field *id, const char *message) {
	struct field f[2] = {id ? *id : fstr(""), fstr(message)};
	send_msg(T_ERROR, 2, f);
}

// Parses an unsigned number in `base` (digits only, no sign or spaces) no larger than max.
static int parse_num(struct field f, unsigned base, unsigned long long max, unsigned long long *out) {
	const unsigned char *p = f.p;
	unsigned long long v = 0;
	if (f.len == 0 || f.len > 20) return -1;
	for (size_t i = 0; i < f.len; i++) {
		unsigned d = p[i] - '0';
		if (d >= base) return -1;
		if (v > (max - d) / base) return -1;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

// A NUL-terminated copy of a field, or NULL if the field itself contains a NUL.
static char *field_str(struct field f) {
	if (memchr(f.p, 0, f.len)) return NULL;
	char *s = malloc(f.len + 1);
	if (!s) die("malloc");
	memcpy(s, f.p, f.len);
	s[f.len] = 0;
	return s;
}

static long long now_ms(void) {
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void cpuinfo_value(const char *key, char *out, size_t cap) {
	char line[4096];
	size_t klen = strlen(key);
	FILE *f = fopen("/proc/cpuinfo", "re");
	out[0] = 0;
	if (!f) return;
	while (fgets(line, sizeof line, f)) {
		char *colon = strchr(line, ':');
		// the key, then only blanks up to the colon ("model" must not match "model name")
		if (!colon || strncmp(line, key, klen) != 0 || strspn(line + klen, " \t") != (size_t)(colon - line) - klen) continue;
		char *v = colon + 1 + strspn(colon + 1, " \t");
		v[strcspn(v, "\n")] = 0;
		snprintf(out, cap, "%s", v);
		break;
	}
	fclose(f);
}

static void send_ready(void) {
	struct utsname u;
	char uptime[64] = "", features[1024], model[256];
	FILE *up = fopen("/proc/uptime", "re");
	if (up && fscanf(up, "%63s", uptime) != 1) uptime[0] = 0;
	if (up) fclose(up);
	if (uname(&u) < 0) u.release[0] = 0;
	cpuinfo_value("Features", features, sizeof features);
	cpuinfo_value("CPU part", model, sizeof model);
	if (!model[0]) cpuinfo_value("model name", model, sizeof model);
	struct field f[4] = {fstr(u.release), fstr(uptime), fstr(features), fstr(model)};
	send_msg(T_READY, 4, f);
}

// Reads what is ready on a child's output pipe; closes it (-1) at EOF. Output past the cap is read and dropped.
static void drain(int *fd, struct buf *b, size_t cap, int *truncated) {
	char tmp[65536];
	ssize_t n = read(*fd, tmp, sizeof tmp);
	if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
	if (n <= 0) { // EOF (or a real error): this stream is done
		close(*fd), *fd = -1;
		return;
	}
	size_t room = cap - b->len, take = (size_t)n < room ? (size_t)n : room;
	if (take < (size_t)n) *truncated = 1;
	buf_add(b, tmp, take);
}

// A child being supervised: the pipes the agent holds (-1 when closed) and what came back.
struct child {
	pid_t pid;
	int in_w, out_r, err_r;
	const unsigned char *in;
	size_t in_left, out_cap;
	struct buf out, err;
	int trunc_out, trunc_err;
	// Results: wait status, deadline passed (child killed), child survived SIGKILL (stuck in the kernel).
	int status, timed_out, stuck;
	long long duration_ms;
};

static void close_fd(int *fd) {
	if (*fd >= 0) close(*fd), *fd = -1;
}

// Feeds stdin and collects output until the child is reaped and its pipes are closed (anything it forked
// may hold them), or the deadline passes (timeout 0: none): then SIGKILL to its process group. A child
// that is still not reaped KILL_GRACE_MS later is stuck in the kernel (D state): it is left behind, never
// waited for, so that the agent keeps serving.
static void supervise(struct child *c, unsigned long long timeout) {
	long long start = now_ms(), deadline = start + (long long)timeout;
	int reaped = 0;
	current_child = c->pid;
	if (c->in_w >= 0 && c->in_left == 0) close_fd(&c->in_w);
	while (!reaped || c->out_r >= 0 || c->err_r >= 0) {
		long long left = timeout ? deadline - now_ms() : -1;
		if (timeout && left <= 0) {
			if (c->timed_out) break; // grace period over
			kill(-c->pid, SIGKILL);
			kill(c->pid, SIGKILL); // in case the child has not reached setsid() yet
			c->timed_out = 1;
			deadline = now_ms() + KILL_GRACE_MS;
			continue;
		}
		struct pollfd p[4] = {{c->in_w, POLLOUT, 0}, {c->out_r, POLLIN, 0}, {c->err_r, POLLIN, 0}, {sigchld_pipe[0], POLLIN, 0}};
		if (poll(p, 4, left < 0 ? -1 : (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR) die("poll");
		if (c->in_w >= 0 && p[0].revents) {
			ssize_t w = write(c->in_w, c->in, c->in_left);
			if (w > 0) c->in += w, c->in_left -= (size_t)w;
			if (c->in_left == 0 || (w < 0 && errno != EINTR && errno != EAGAIN)) close_fd(&c->in_w);
		}
		if (c->out_r >= 0 && p[1].revents) drain(&c->out_r, &c->out, c->out_cap, &c->trunc_out);
		if (c->err_r >= 0 && p[2].revents) drain(&c->err_r, &c->err, OUTPUT_CAP, &c->trunc_err);
		char tmp[64];
		while (p[3].revents && read(sigchld_pipe[0], tmp, sizeof tmp) > 0) {}
		if (!reaped) reaped = waitpid(c->pid, &c->status, WNOHANG) == c->pid;
	}
	if (!reaped) reaped = waitpid(c->pid, &c->status, WNOHANG) == c->pid;
	c->stuck = !reaped;
	close_fd(&c->in_w);
	close_fd(&c->out_r);
	close_fd(&c->err_r);
	current_child = -1;
	c->duration_ms = now_ms() - start;
	while (waitpid(-1, NULL, WNOHANG) > 0) {} // orphans reparented to us (we may be PID 1), earlier stuck children
}

// STUCK: the child survived SIGKILL. Its state and wait channel come from /proc, read now, while it is stuck.
static void send_stuck(struct field id, pid_t pid, long long waited_ms) {
	char path[64], stat[512] = "", comm[64] = "", state[2] = "?", wchan[128] = "", num[16], dur[32];
	snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "re");
	if (f && !fgets(stat, sizeof stat, f)) stat[0] = 0;
	if (f) fclose(f);
	char *lp = strchr(stat, '('), *rp = strrchr(stat, ')'); // comm may hold spaces and parentheses
	if (lp && rp && rp > lp) {
		snprintf(comm, sizeof comm, "%.*s", (int)(rp - lp - 1), lp + 1);
		if (rp[1] == ' ' && rp[2]) state[0] = rp[2];
	}
	snprintf(path, sizeof path, "/proc/%d/wchan", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, wchan, sizeof wchan - 1) : -1;
	if (fd >= 0) close(fd);
	wchan[n > 0 ? n : 0] = 0;
	snprintf(num, sizeof num, "%d", (int)pid);
	snprintf(dur, sizeof dur, "%lld", waited_ms);
	struct field r[6] = {id, fstr(num), fstr(comm), fstr(state), fstr(wchan), fstr(dur)};
	send_msg(T_STUCK, 6, r);
}

// Child side of EXEC (pipes: stdin r/w, stdout r/w, stderr r/w): new session, fixed environment, no shell.
static _Noreturn void exec_child(const struct field *f, size_t n, const int *pipes) {
	char **argv = calloc(n - 2, sizeof *argv); // f[3..n-1] are argv, already checked for NULs
	if (!argv) die("calloc");
	for (size_t i = 3; i < n; i++) argv[i - 3] = field_str(f[i]);
	setsid();
	signal(SIGPIPE, SIG_DFL); // ignored dispositions survive exec
	dup2(pipes[0], 0);
	dup2(pipes[3], 1);
	dup2(pipes[5], 2);
	environ = child_env; // execvp searches the PATH of the new environment
	execvp(argv[0], argv);
	dprintf(2, "kplug-agent: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static const char *do_exec(const struct field *f, size_t n) {
	unsigned long long timeout;
	if (n < 4) return "EXEC needs id, timeoutMs, stdin and argv0";
	if (parse_num(f[1], 10, 1ULL << 40, &timeout) < 0) return "EXEC: bad timeoutMs";
	for (size_t i = 3; i < n; i++) if (memchr(f[i].p, 0, f[i].len)) return "EXEC: argv contains a NUL byte";
	int pipes[6] = {-1, -1, -1, -1, -1, -1};
	pid_t pid = -1;
	if (pipe2(pipes, O_CLOEXEC) < 0 || pipe2(pipes + 2, O_CLOEXEC) < 0 || pipe2(pipes + 4, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		snprintf(errbuf, sizeof errbuf, "EXEC: cannot start a child: %s", strerror(errno));
		for (int i = 0; i < 6; i++) if (pipes[i] >= 0) close(pipes[i]);
		return errbuf;
	}
	if (pid == 0) exec_child(f, n, pipes);
	close(pipes[0]);
	close(pipes[3]);
	close(pipes[5]);
	fcntl(pipes[1], F_SETFL, O_NONBLOCK); // a child that never reads stdin must not block us
	struct child c = {.pid = pid, .in_w = pipes[1], .out_r = pipes[2], .err_r = pipes[4], .in = f[2].p, .in_left = f[2].len, .out_cap = OUTPUT_CAP};
	supervise(&c, timeout);
	if (c.stuck) {
		send_stuck(f[0], pid, c.duration_ms);
	} else {
		for (int i = 0; i < 2; i++) {
			char note[128];
			int len = snprintf(note, sizeof note, "\nkplug-agent: %s truncated at %u bytes\n", i ? "stderr" : "stdout", OUTPUT_CAP);
			if (i ? c.trunc_err : c.trunc_out) buf_add(&c.err, note, (size_t)len);
		}
		char code[16], sig[16], dur[32];
		snprintf(code, sizeof code, "%d", WIFEXITED(c.status) ? WEXITSTATUS(c.status) : -1);
		snprintf(sig, sizeof sig, "%d", WIFSIGNALED(c.status) ? WTERMSIG(c.status) : 0);
		snprintf(dur, sizeof dur, "%lld", c.duration_ms);
		struct field r[7] = {f[0], fstr(code), fstr(sig), fstr(c.timed_out ? "1" : "0"), fstr(dur), {c.out.p, c.out.len}, {c.err.p, c.err.len}};
		send_msg(T_EXEC_RESULT, 7, r);
	}
	free(c.out.p);
	free(c.err.p);
	return NULL;
}

// Runs a file or device operation in a forked child, so that it has a deadline like EXEC: a write to a
// pseudo file or a driver's read can block in the kernel, and the agent itself must never block there.
// The child sends the errno as 4 bytes, then the response. Answers WRITE_RESULT/DEVIO_RESULT, or STUCK.
typedef int io_fn(const struct field *f, struct buf *response);

static void io_request(int type, const struct field *f, unsigned long long timeout, size_t cap, io_fn *fn) {
	int pipes[2] = {-1, -1};
	pid_t pid = -1;
	if (pipe2(pipes, O_CLOEXEC) < 0 || (pid = fork()) < 0) {
		int e = errno;
		close_fd(&pipes[0]);
		close_fd(&pipes[1]);
		char num[16];
		snprintf(num, sizeof num, "%d", e);
		snprintf(errbuf, sizeof errbuf, "cannot start a child: %s", strerror(e));
		struct field r[4] = {f[0], fstr(num), type == T_WRITE_RESULT ? fstr(errbuf) : fstr(""), fstr("0")};
		send_msg(type, 4, r);
		return;
	}
	if (pid == 0) {
		setsid();
		close(pipes[0]);
		struct buf resp = {0};
		unsigned char e[4];
		put_u32(e, (uint32_t)fn(f, &resp));
		write_full(pipes[1], e, 4);
		write_full(pipes[1], resp.p, resp.len);
		_exit(0);
	}
	close(pipes[1]);
	struct child c = {.pid = pid, .in_w = -1, .out_r = pipes[0], .err_r = -1, .out_cap = cap + 4};
	supervise(&c, timeout);
	if (c.stuck) {
		send_stuck(f[0], pid, c.duration_ms);
	} else {
		int complete = !c.timed_out && WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0 && c.out.len >= 4;
		char num[16], msg[96];
		int e = complete ? (int)get_u32(c.out.p) : c.timed_out ? ETIMEDOUT : EIO;
		snprintf(num, sizeof num, "%d", e);
		if (c.timed_out) snprintf(msg, sizeof msg, "timed out after %llu ms", timeout);
		else if (!complete) snprintf(msg, sizeof msg, "the agent's I/O child failed (wait status %d)", c.status);
		struct field body = complete ? (struct field){c.out.p + 4, c.out.len - 4} : fstr(msg);
		if (type == T_WRITE_RESULT && complete) body = fstr(strerror(e));
		else if (type == T_DEVIO_RESULT && !complete) body = fstr("");
		struct field r[4] = {f[0], fstr(num), body, fstr(c.timed_out ? "1" : "0")};
		send_msg(type, 4, r);
	}
	free(c.out.p);
}

static int mkdir_parents(char *path) {
	for (char *s = strchr(path + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		int r = mkdir(path, 0755);
		*s = '/';
		if (r < 0 && errno != EEXIST) return -1;
	}
	return 0;
}

// In the I/O child: f = id, timeoutMs, path, mode, content (checked by do_write_file).
static int write_file_io(const struct field *f, struct buf *response) {
	(void)response;
	unsigned long long mode = 0644;
	parse_num(f[3], 8, 07777, &mode);
	char *path = field_str(f[2]);
	int e = 0, fd = -1;
	if (mkdir_parents(path) < 0 || (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode)) < 0) {
		e = errno;
	} else {
		// fchmod so the result does not depend on the umask or on a pre-existing file; only on
		// regular files: pseudo files (/proc/sys/…) refuse chmod and their mode is not ours to set
		struct stat st;
		if (write_full(fd, f[4].p, f[4].len) < 0) e = errno;
		else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fchmod(fd, (mode_t)mode) < 0 && errno != EPERM) e = errno;
		if (close(fd) < 0 && !e) e = errno;
	}
	return e;
}

static const char *do_write_file(const struct field *f, size_t n) {
	unsigned long long mode, timeout;
	if (n != 5) return "WRITE_FILE needs id, timeoutMs, path, mode and content";
	if (parse_num(f[1], 10, 1ULL << 40, &timeout) < 0 || timeout == 0) return "WRITE_FILE: bad timeoutMs (1 or more)";
	if (parse_num(f[3], 8, 07777, &mode) < 0) return "WRITE_FILE: bad mode (octal text, e.g. 644)";
	if (f[2].len == 0 || memchr(f[2].p, 0, f[2].len)) return "WRITE_FILE: bad path";
	io_request(T_WRITE_RESULT, f, timeout, 0, write_file_io);
	return NULL;
}

// In the I/O child: f = id, timeoutMs, path, request, maxResponseBytes (checked by do_devio).
static int devio_io(const struct field *f, struct buf *response) {
	unsigned long long max = 0;
	parse_num(f[4], 10, DEVIO_CAP, &max);
	char *path = field_str(f[2]);
	int e = 0, fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) return errno;
	ssize_t w;
	do w = write(fd, f[3].p, f[3].len); while (w < 0 && errno == EINTR);
	if (w < 0) e = errno;
	else if ((size_t)w != f[3].len) e = EIO; // the driver wants the request in one piece
	char tmp[65536];
	while (!e && response->len < max) {
		size_t want = max - response->len < sizeof tmp ? max - response->len : sizeof tmp;
		ssize_t r = read(fd, tmp, want);
		if (r < 0 && errno == EINTR) continue;
		if (r < 0) e = errno;
		if (r <= 0) break;
		buf_add(response, tmp, (size_t)r);
	}
	close(fd);
	return e;
}

static const char *do_devio(const struct field *f, size_t n) {
	unsigned long long max, timeout;
	if (n != 5) return "DEVIO needs id, timeoutMs, path, request and maxResponseBytes";
	if (parse_num(f[1], 10, 1ULL << 40, &timeout) < 0 || timeout == 0) return "DEVIO: bad timeoutMs (1 or more)";
	if (parse_num(f[4], 10, DEVIO_CAP, &max) < 0) return "DEVIO: bad maxResponseBytes (at most 16 MiB)";
	if (memchr(f[2].p, 0, f[2].len)) return "DEVIO: path contains a NUL byte";
	io_request(T_DEVIO_RESULT, f, timeout, (size_t)max, devio_io);
	return NULL;
}

// Answered in the serve loop, no child: the host's check that a guest restored from a snapshot runs (READY was
// sent once, before the state was saved).
static const char *do_ping(const struct field *f, size_t n) {
	if (n != 1) return "PING needs exactly an id";
	send_msg(T_PONG, 1, f);
	return NULL;
}

static const char *do_poweroff(const struct field *f, size_t n) {
	if (n != 1) return "POWEROFF needs exactly an id";
	send_msg(T_POWEROFF_ACK, 1, f);
	if (stdio_mode) exit(0);
	sync();
	reboot(RB_POWER_OFF);
	snprintf(errbuf, sizeof errbuf, "reboot(RB_POWER_OFF): %s", strerror(errno));
	return errbuf; // only reached when the kernel refused

}

// Splits a payload into fields; *n counts the fields read before any error (so the id is known if *n > 0).
static const char *parse_payload(const unsigned char *p, size_t len, struct field **fields, size_t *n) {
	if (len < 5) return "payload shorter than its 5-byte header";
	uint32_t count = get_u32(p + 1);
	if (count > (len - 5) / 4) return "field count exceeds the payload";
	struct field *f = *fields = calloc(count ? count : 1, sizeof *f);
	if (!f) die("calloc");
	size_t off = 5;
	for (; *n < count; ++*n) {
		if (len - off < 4) return "truncated field length";
		uint32_t flen = get_u32(p + off);
		if (flen > len - off - 4) return "field runs past the end of the payload";
		f[*n] = (struct field){p + off + 4, flen};
		off += 4 + (size_t)flen;
	}
	return off == len ? NULL : "trailing bytes after the last field";
}

static void handle_frame(const unsigned char *p, size_t len) {
	struct field *f = NULL;
	size_t n = 0;
	const char *err = parse_payload(p, len, &f, &n);
	if (!err) {
		switch (p[0]) {
		case T_EXEC: err = do_exec(f, n); break;
		case T_WRITE_FILE: err = do_write_file(f, n); break;
		case T_DEVIO: err = do_devio(f, n); break;
		case T_POWEROFF: err = do_poweroff(f, n); break;
		case T_PING: err = do_ping(f, n); break;
		default:
			snprintf(errbuf, sizeof errbuf, "unknown message type 0x%02x", p[0]);
			err = errbuf;
		}
	}
	if (err) send_error(n > 0 ? &f[0] : NULL, err);
	free(f);
}

static int open_port(void) {
	for (int tries = 0; tries < 2000; tries++) {
		DIR *d = opendir(PORTS_DIR);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			char path[512], name[64] = "";
			snprintf(path, sizeof path, PORTS_DIR "/%s/name", e->d_name);
			FILE *nf = fopen(path, "re");
			if (nf && !fgets(name, sizeof name, nf)) name[0] = 0;
			if (nf) fclose(nf);
			if (strcmp(name, PORT_NAME "\n") != 0 && strcmp(name, PORT_NAME) != 0) continue;
			snprintf(path, sizeof path, "/dev/%s", e->d_name);
			int fd = open(path, O_RDWR | O_CLOEXEC);
			if (fd >= 0) return closedir(d), fd;
		}
		if (d) closedir(d);
		poll(NULL, 0, 5); // the port appears once virtio-serial has talked to qemu: poll briefly
	}
	fprintf(stderr, "kplug-agent: no virtio port named " PORT_NAME " after 10 s: powering off\n");
	power_off();
}

// Reads and throws away n bytes of the stream (a frame the agent will not hold): 1, 0 or -1 as read_full.
static int skip_bytes(uint32_t n) {
	char tmp[65536];
	for (uint32_t got = 0; got < n;) {
		uint32_t want = n - got < sizeof tmp ? n - got : (uint32_t)sizeof tmp;
		int r = read_full(in_fd, tmp, want);
		if (r != 1) return -1;
		got += want;
	}
	return 1;
}

// Reads and answers one frame: 1, or read_full's 0 (closed) / -1 (failed or closed mid-frame).
static int serve_one(void) {
	unsigned char hdr[4];
	int r = read_full(in_fd, hdr, 4);
	if (r != 1) return r;
	uint32_t len = get_u32(hdr);
	unsigned char *payload = len <= MAX_FRAME ? malloc(len ? len : 1) : NULL;
	if (!payload) {
		// Too large (or no memory for it): skip it so the stream stays in step, answer, serve on.
		if ((r = skip_bytes(len)) != 1) return r;
		snprintf(errbuf, sizeof errbuf, len > MAX_FRAME ? "frame of %u bytes is larger than 64 MiB: skipped" : "no memory for a frame of %u bytes: skipped", len);
		send_error(NULL, errbuf);
		return 1;
	}
	if ((r = read_full(in_fd, payload, len)) == 1) {
		// The id, for an ERROR if the request fails part-way (die() comes back to the serve loop).
		current_id_len = 0;
		if (len >= 9 && get_u32(payload + 1) > 0) {
			uint32_t idlen = get_u32(payload + 5);
			if (idlen < sizeof current_id && idlen <= len - 9) memcpy(current_id, payload + 9, idlen), current_id_len = idlen;
		}
		serving = 1;
		handle_frame(payload, len);
		serving = 0;
	}
	free(payload);
	return r;
}

// After die() in a request: what the request held is let go (its memory is lost: this is the rare case).
static void abandon_request(void) {
	serving = 0;
	if (current_child > 0) kill(-current_child, SIGKILL), kill(current_child, SIGKILL);
	current_child = -1;
	for (int fd = 0; fd < MAX_FDS; fd++) if (!kept_fd[fd]) close(fd);
	while (waitpid(-1, NULL, WNOHANG) > 0) {}
	struct field id = {current_id, current_id_len};
	send_error(&id, errbuf);
}

// --init: mount the pseudo filesystems with mount(2) (no fork per mount: boot time matters).
static void mount_pseudo_filesystems(void) {
	static const struct {const char *type, *dir;} fs[] = {
		{"proc", "/proc"}, {"sysfs", "/sys"}, {"devtmpfs", "/dev"}, {"debugfs", "/sys/kernel/debug"},
		{"tracefs", "/sys/kernel/tracing"}, {"tmpfs", "/tmp"},
	};
	for (size_t i = 0; i < sizeof fs / sizeof fs[0]; i++) {
		mkdir(fs[i].dir, 0755);
		if (mount(fs[i].type, fs[i].dir, fs[i].type, 0, NULL) < 0 && errno != EBUSY)
			fprintf(stderr, "kplug-init: could not mount %s on %s: %s\n", fs[i].type, fs[i].dir, strerror(errno));
	}
	setenv("PATH", "/sbin:/usr/sbin:/bin:/usr/bin", 1);
	fprintf(stderr, "kplug-init: starting agent\n");
}

// --syscall: the kernel's own answer to a module load or unload, with no tool's checks in between
// (kmod's rmmod refuses a module with holders before it ever calls delete_module). Prints one line
// "<syscall>: ok" or "<syscall>: errno=N (text)" and exits with 0 or N, so the host records both.
static int raw_syscall(int argc, char **argv) {
	long r;
	if (argc == 4 && strcmp(argv[2], "finit_module") == 0) {
		int fd = open(argv[3], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			int e = errno;
			printf("open %s: errno=%d (%s)\n", argv[3], e, strerror(e));
			return e;
		}
		r = syscall(SYS_finit_module, fd, "", 0);
	} else if (argc == 4 && strcmp(argv[2], "delete_module") == 0) {
		r = syscall(SYS_delete_module, argv[3], O_NONBLOCK);
	} else {
		fprintf(stderr, "usage: kplug-agent --syscall finit_module FILE | delete_module NAME\n");
		return 2;
	}
	if (r == 0) {
		printf("%s: ok\n", argv[2]);
		return 0;
	}
	int e = errno;
	printf("%s: errno=%d (%s)\n", argv[2], e, strerror(e));
	return e;
}

// --shell TTY MARKER [--no-echo] [--size ROWSxCOLS] -- CMD…: run CMD on TTY as its controlling terminal
// (kplug shell; the agent runs this through EXEC, so PID 1 itself never touches the terminal). The lines
// "kplug-shell:MARKER:ready" and "kplug-shell:MARKER:exit:N" written on TTY frame the session for the
// host, which reads the console; exits with CMD's status (128 + signal when killed).
static int shell_on_tty(int argc, char **argv) {
	const char *tty = argc > 3 ? argv[2] : NULL, *marker = argc > 3 ? argv[3] : "";
	int echo = 1, i = 4;
	struct winsize ws = {0};
	for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (strcmp(argv[i], "--no-echo") == 0) echo = 0;
		else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc && sscanf(argv[i + 1], "%hux%hu", &ws.ws_row, &ws.ws_col) == 2) i++;
		else break;
	}
	if (!tty || !marker[0] || strspn(marker, "0123456789abcdefABCDEF") != strlen(marker) || i + 1 >= argc || strcmp(argv[i], "--") != 0) {
		fprintf(stderr, "usage: kplug-agent --shell TTY HEXMARKER [--no-echo] [--size ROWSxCOLS] -- CMD [ARGS…]\n");
		return 2;
	}
	char **cmd = argv + i + 1;
	if (getsid(0) != getpid() && setsid() < 0) fprintf(stderr, "kplug-agent: --shell: setsid: %s\n", strerror(errno));
	int fd = open(tty, O_RDWR);
	if (fd < 0 || !isatty(fd) || ioctl(fd, TIOCSCTTY, 0) < 0) {
		fprintf(stderr, "kplug-agent: --shell: %s cannot be the controlling terminal: %s\n", tty, strerror(errno));
		return 1;
	}
	struct termios saved, t;
	if (tcgetattr(fd, &saved) < 0) return fprintf(stderr, "kplug-agent: --shell: tcgetattr %s: %s\n", tty, strerror(errno)), 1;
	t = saved;
	// A line discipline as a terminal has it; without echo (and with plain \n) when the host's side is a pipe.
	t.c_iflag = (t.c_iflag | ICRNL) & ~(tcflag_t)(INLCR | IGNCR | IXON);
	t.c_oflag = echo ? t.c_oflag | OPOST | ONLCR : (t.c_oflag | OPOST) & ~(tcflag_t)ONLCR;
	t.c_lflag |= ICANON | ISIG | IEXTEN;
	t.c_lflag = echo ? t.c_lflag | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE : t.c_lflag & ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL | ECHOCTL | ECHOKE);
	t.c_cc[VINTR] = 3, t.c_cc[VEOF] = 4, t.c_cc[VERASE] = 0x7f, t.c_cc[VMIN] = 1, t.c_cc[VTIME] = 0;
	tcsetattr(fd, TCSAFLUSH, &t); // what arrived before the session is not the user's input
	if (ws.ws_row && ws.ws_col) ioctl(fd, TIOCSWINSZ, &ws);
	for (int k = 0; k < 3; k++) dup2(fd, k);
	if (fd > 2) close(fd);
	// The shell takes the terminal's keys (from the ready line on); this process only waits, then writes the last line.
	int ignored[] = {SIGINT, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU, SIGHUP};
	for (size_t k = 0; k < sizeof ignored / sizeof ignored[0]; k++) signal(ignored[k], SIG_IGN);
	dprintf(1, "kplug-shell:%s:ready\n", marker);
	pid_t pid = fork();
	if (pid == 0) {
		for (size_t k = 0; k < sizeof ignored / sizeof ignored[0]; k++) signal(ignored[k], SIG_DFL);
		execvp(cmd[0], cmd);
		dprintf(2, "kplug-agent: --shell: exec %s: %s\n", cmd[0], strerror(errno));
		_exit(127);
	}
	int status = 0, code = 127;
	if (pid < 0) dprintf(2, "kplug-agent: --shell: fork: %s\n", strerror(errno));
	else {
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
		code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	tcsetpgrp(0, getpgrp());
	dprintf(1, "kplug-shell:%s:exit:%d\n", marker, code);
	tcdrain(1);
	tcsetattr(0, TCSANOW, &saved);
	return code;
}

int main(int argc, char **argv) {
	if (argc >= 2 && strcmp(argv[1], "--syscall") == 0) return raw_syscall(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "--shell") == 0) return shell_on_tty(argc, argv);
	stdio_mode = argc == 2 && strcmp(argv[1], "--stdio") == 0;
	// As PID 1 (rdinit=/sbin/kplug-agent) the agent is the init: same as --init.
	int init_mode = (argc == 2 && strcmp(argv[1], "--init") == 0) || (argc == 1 && getpid() == 1);
	if (argc > 1 && !stdio_mode && !init_mode) {
		fprintf(stderr, "usage: kplug-agent [--stdio | --init | --syscall … | --shell …]\n");
		return 2;
	}
	agent_pid = getpid();
	if (init_mode) mount_pseudo_filesystems();
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) die("pipe2");
	sigaction(SIGCHLD, &(struct sigaction){.sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP}, NULL);
	if (!stdio_mode) in_fd = out_fd = open_port();
	send_ready();
	for (int fd = 0; fd < MAX_FDS; fd++) kept_fd[fd] = fcntl(fd, F_GETFD) >= 0;
	if (sigsetjmp(recover, 1)) abandon_request(); // a request failed part-way: ERROR sent, serve on
	for (;;) {
		int r = serve_one();
		if (r == 1) continue;
		if (stdio_mode && r < 0) send_error(NULL, "channel failed or closed in the middle of a frame");
		if (stdio_mode) exit(r < 0);
		poll(NULL, 0, 100); // the host is not connected (or went away): wait for it to come back
	}
}
