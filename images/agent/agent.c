// kplug-agent: the guest side of the kplug agent protocol (see PROTOCOL.md).
// Runs as PID 1 (exec'd by /init) and serves one request at a time over the
// virtio-serial port named kplug.agent, or over fd 0/1 with --stdio (host tests).
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_FRAME (64u << 20)
#define OUTPUT_CAP (16u << 20)
#define DEVIO_CAP (16u << 20)
#define PORT_NAME "kplug.agent"
#define PORTS_DIR "/sys/class/virtio-ports"

enum { T_READY = 0x01, T_EXEC = 0x10, T_EXEC_RESULT = 0x11, T_WRITE_FILE = 0x20, T_WRITE_RESULT = 0x21,
	T_DEVIO = 0x30, T_DEVIO_RESULT = 0x31, T_POWEROFF = 0x40, T_POWEROFF_ACK = 0x41, T_ERROR = 0x7f };

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

static void die(const char *what) {
	fprintf(stderr, "kplug-agent: %s: %s\n", what, strerror(errno));
	exit(1);
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

static void buf_u32(struct buf *b, uint32_t v) {
	unsigned char le[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, v >> 24};
	buf_add(b, le, 4);
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

static void send_msg(int type, size_t n, const struct field *fields) {
	struct buf b = {0};
	size_t len = 5;
	for (size_t i = 0; i < n; i++) len += 4 + fields[i].len;
	buf_u32(&b, (uint32_t)len);
	buf_add(&b, &(unsigned char){(unsigned char)type}, 1);
	buf_u32(&b, (uint32_t)n);
	for (size_t i = 0; i < n; i++) {
		buf_u32(&b, (uint32_t)fields[i].len);
		buf_add(&b, fields[i].p, fields[i].len);
	}
	if (write_full(out_fd, b.p, b.len) < 0) fprintf(stderr, "kplug-agent: write to host: %s\n", strerror(errno));
	free(b.p);
}

static void send_error(const struct field *id, const char *message) {
	struct field f[2] = {id ? *id : fstr(""), fstr(message)};
	send_msg(T_ERROR, 2, f);
}

// WRITE_RESULT and DEVIO_RESULT: id, errno as text, then one more field.
static void send_errno_result(int type, struct field id, int e, struct field last) {
	char num[16];
	snprintf(num, sizeof num, "%d", e);
	struct field f[3] = {id, fstr(num), last};
	send_msg(type, 3, f);
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
static void drain(int *fd, struct buf *b, int *truncated) {
	char tmp[65536];
	ssize_t n = read(*fd, tmp, sizeof tmp);
	if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
	if (n <= 0) { // EOF (or a real error): this stream is done
		close(*fd), *fd = -1;
		return;
	}
	size_t room = OUTPUT_CAP - b->len, take = (size_t)n < room ? (size_t)n : room;
	if (take < (size_t)n) *truncated = 1;
	buf_add(b, tmp, take);
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
	long long start = now_ms(), deadline = start + (long long)timeout;
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
	const unsigned char *in = f[2].p;
	size_t in_left = f[2].len;
	int in_w = pipes[1], out_r = pipes[2], err_r = pipes[4], timed_out = 0, trunc_out = 0, trunc_err = 0;
	int status = 0, reaped = 0;
	struct buf out = {0}, err = {0};
	if (in_left == 0) close(in_w), in_w = -1;
	// Until the child is reaped and it (and anything it forked) closed stdout and stderr.
	while (!reaped || out_r >= 0 || err_r >= 0) {
		long long left = timeout ? deadline - now_ms() : -1;
		if (timeout && left <= 0) {
			if (timed_out) break; // grace period over: something escaped the process group
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL); // in case the child has not reached setsid() yet
			timed_out = 1;
			deadline = now_ms() + 1000;
			continue;
		}
		struct pollfd p[4] = {{in_w, POLLOUT, 0}, {out_r, POLLIN, 0}, {err_r, POLLIN, 0}, {sigchld_pipe[0], POLLIN, 0}};
		if (poll(p, 4, left < 0 ? -1 : (int)(left > 1000 ? 1000 : left)) < 0 && errno != EINTR) die("poll");
		if (in_w >= 0 && p[0].revents) {
			ssize_t w = write(in_w, in, in_left);
			if (w > 0) in += w, in_left -= (size_t)w;
			if (in_left == 0 || (w < 0 && errno != EINTR && errno != EAGAIN)) close(in_w), in_w = -1;
		}
		if (out_r >= 0 && p[1].revents) drain(&out_r, &out, &trunc_out);
		if (err_r >= 0 && p[2].revents) drain(&err_r, &err, &trunc_err);
		char tmp[64];
		while (p[3].revents && read(sigchld_pipe[0], tmp, sizeof tmp) > 0) {}
		if (!reaped) reaped = waitpid(pid, &status, WNOHANG) == pid;
	}
	while (!reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
	int left_open[3] = {in_w, out_r, err_r};
	for (int i = 0; i < 3; i++) if (left_open[i] >= 0) close(left_open[i]);
	long long duration = now_ms() - start;
	while (waitpid(-1, NULL, WNOHANG) > 0) {} // orphans reparented to us (we may be PID 1)
	for (int i = 0; i < 2; i++) {
		char note[128];
		int len = snprintf(note, sizeof note, "\nkplug-agent: %s truncated at %u bytes\n", i ? "stderr" : "stdout", OUTPUT_CAP);
		if (i ? trunc_err : trunc_out) buf_add(&err, note, (size_t)len);
	}
	char code[16], sig[16], dur[32];
	snprintf(code, sizeof code, "%d", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	snprintf(sig, sizeof sig, "%d", WIFSIGNALED(status) ? WTERMSIG(status) : 0);
	snprintf(dur, sizeof dur, "%lld", duration);
	struct field r[7] = {f[0], fstr(code), fstr(sig), fstr(timed_out ? "1" : "0"), fstr(dur), {out.p, out.len}, {err.p, err.len}};
	send_msg(T_EXEC_RESULT, 7, r);
	free(out.p);
	free(err.p);
	return NULL;
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

static const char *do_write_file(const struct field *f, size_t n) {
	unsigned long long mode;
	if (n != 4) return "WRITE_FILE needs id, path, mode and content";
	if (parse_num(f[2], 8, 07777, &mode) < 0) return "WRITE_FILE: bad mode (octal text, e.g. 644)";
	char *path = field_str(f[1]);
	if (!path || !path[0]) return free(path), "WRITE_FILE: bad path";
	int e = 0, fd = -1;
	if (mkdir_parents(path) < 0 || (fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode)) < 0) {
		e = errno;
	} else {
		// fchmod so the result does not depend on the umask or on a pre-existing file; only on
		// regular files: pseudo files (/proc/sys/…) refuse chmod and their mode is not ours to set
		struct stat st;
		if (write_full(fd, f[3].p, f[3].len) < 0) e = errno;
		else if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && fchmod(fd, (mode_t)mode) < 0 && errno != EPERM) e = errno;
		if (close(fd) < 0 && !e) e = errno;
	}
	send_errno_result(T_WRITE_RESULT, f[0], e, fstr(strerror(e)));
	free(path);
	return NULL;
}

static const char *do_devio(const struct field *f, size_t n) {
	unsigned long long max;
	if (n != 4) return "DEVIO needs id, path, request and maxResponseBytes";
	if (parse_num(f[3], 10, DEVIO_CAP, &max) < 0) return "DEVIO: bad maxResponseBytes (at most 16 MiB)";
	char *path = field_str(f[1]);
	if (!path) return "DEVIO: path contains a NUL byte";
	unsigned char *resp = malloc(max ? max : 1);
	if (!resp) die("malloc");
	size_t got = 0;
	int e = 0, fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
	} else {
		ssize_t w;
		do w = write(fd, f[2].p, f[2].len); while (w < 0 && errno == EINTR);
		if (w < 0) e = errno;
		else if ((size_t)w != f[2].len) e = EIO; // the driver wants the request in one piece
		while (!e && got < max) {
			ssize_t r = read(fd, resp + got, max - got);
			if (r < 0 && errno == EINTR) continue;
			if (r < 0) e = errno;
			if (r <= 0) break;
			got += (size_t)r;
		}
		close(fd);
	}
	send_errno_result(T_DEVIO_RESULT, f[0], e, (struct field){resp, got});
	free(resp);
	free(path);
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
	fprintf(stderr, "kplug-agent: no virtio port named " PORT_NAME " after 10 s\n");
	exit(1);
}

// Reads and answers one frame: 1, or read_full's 0 (closed) / -1 (failed or closed mid-frame).
static int serve_one(void) {
	unsigned char hdr[4];
	int r = read_full(in_fd, hdr, 4);
	if (r != 1) return r;
	uint32_t len = get_u32(hdr);
	if (len > MAX_FRAME) {
		send_error(NULL, "frame larger than 64 MiB");
		exit(1);
	}
	unsigned char *payload = malloc(len ? len : 1);
	if (!payload) die("malloc");
	if ((r = read_full(in_fd, payload, len)) == 1) handle_frame(payload, len);
	free(payload);
	return r;
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

int main(int argc, char **argv) {
	if (argc >= 2 && strcmp(argv[1], "--syscall") == 0) return raw_syscall(argc, argv);
	stdio_mode = argc == 2 && strcmp(argv[1], "--stdio") == 0;
	// As PID 1 (rdinit=/sbin/kplug-agent) the agent is the init: same as --init.
	int init_mode = (argc == 2 && strcmp(argv[1], "--init") == 0) || (argc == 1 && getpid() == 1);
	if (argc > 1 && !stdio_mode && !init_mode) {
		fprintf(stderr, "usage: kplug-agent [--stdio | --init | --syscall …]\n");
		return 2;
	}
	if (init_mode) mount_pseudo_filesystems();
	signal(SIGPIPE, SIG_IGN);
	if (pipe2(sigchld_pipe, O_CLOEXEC | O_NONBLOCK) < 0) die("pipe2");
	sigaction(SIGCHLD, &(struct sigaction){.sa_handler = on_sigchld, .sa_flags = SA_RESTART | SA_NOCLDSTOP}, NULL);
	if (!stdio_mode) in_fd = out_fd = open_port();
	send_ready();
	for (;;) {
		int r = serve_one();
		if (r == 1) continue;
		if (stdio_mode && r < 0) send_error(NULL, "channel failed or closed in the middle of a frame");
		if (stdio_mode) exit(r < 0);
		poll(NULL, 0, 100); // the host is not connected (or went away): wait for it to come back
	}
}
