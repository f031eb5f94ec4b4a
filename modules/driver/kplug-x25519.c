// SPDX-License-Identifier: GPL-2.0
/*
 * kplug test driver: /dev/kplug_x25519 (see modules/DRIVER-PROTOCOL.md).
 *
 * One source, built once per design:
 *   -DKPLUG_OWN_LIB -DKPLUG_DESIGN_LABEL='"weak"' (or softdep, static-call):
 *                        an out-of-tree design: calls the exported API of
 *                        kplug's libcurve25519.ko (curve25519-kplug.h) and
 *                        reports the path from the library's own per-path
 *                        counters (snapshots taken before and after each
 *                        call, under a mutex);
 *   (default)            mainline design: calls the kernel's <crypto/curve25519.h>
 *                        API, whose dispatch is fixed at Kconfig time (6.x: the
 *                        header's inlines; 7.x: libcurve25519.ko's exported
 *                        functions, a static key inside). path = arch-entry when
 *                        the kernel has an arch implementation
 *                        (CONFIG_CRYPTO_ARCH_HAVE_LIB_CURVE25519 on 6.x,
 *                        CONFIG_CRYPTO_LIB_CURVE25519_ARCH on 7.x), else generic;
 *   -DKPLUG_REFERENCE_GENERIC (mainline on a kernel that exports no generic code,
 *                        7.x): GENERIC mode runs the kernel's own
 *                        lib/crypto/curve25519-fiat32.c, compiled into this
 *                        driver under another name (modules/mainline/Kbuild),
 *                        and the null and base points are the driver's own.
 *
 * The driver encodes no expected outcome: it runs what the request asks
 * through the design's code and reports what it returned and observed.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/hwcap.h>
#include <asm/simd.h>
/* <asm/unaligned.h> became <linux/unaligned.h> in 6.12. */
#if __has_include(<linux/unaligned.h>)
#include <linux/unaligned.h>
#else
#include <asm/unaligned.h>
#endif
#include <crypto/algapi.h> /* crypto_memneq */
#include <crypto/internal/simd.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/miscdevice.h>
#include <linux/moduleparam.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/types.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#ifdef KPLUG_OWN_LIB
#include "curve25519-kplug.h"
#define KPLUG_DESIGN_NAME KPLUG_DESIGN_LABEL
#else
#include <crypto/curve25519.h>
#define KPLUG_DESIGN_NAME "mainline"
/* Whether the kernel's API reaches an arch implementation (spelled per kernel). */
#define KPLUG_MAINLINE_ARCH (IS_ENABLED(CONFIG_CRYPTO_ARCH_HAVE_LIB_CURVE25519) || \
			     IS_ENABLED(CONFIG_CRYPTO_LIB_CURVE25519_ARCH))
#endif

#ifdef KPLUG_REFERENCE_GENERIC
/*
 * 7.x keeps these two static in lib/crypto/curve25519.c and exports no
 * generic code: the GENERIC mode's implementation is the kernel's fiat32,
 * staged beside this file and renamed on the command line
 * (-Dcurve25519_generic=kplug_reference_generic), so it cannot clash with
 * the library's own copy.
 */
static const u8 curve25519_null_point[CURVE25519_KEY_SIZE] __aligned(32) = { 0 };
static const u8 curve25519_base_point[CURVE25519_KEY_SIZE] __aligned(32) = { 9 };
#include "curve25519-fiat32.c"
#define KPLUG_GENERIC_FROM "kplug-copy-of-curve25519-fiat32"
#else
#define KPLUG_GENERIC_FROM "curve25519_generic"
#endif

#define KPLUG_MAGIC		0x3532584bU /* "KX25" little-endian */
#define KPLUG_VERSION		1
#define KPLUG_REQ_HDR_LEN	16
#define KPLUG_RESP_HDR_LEN	20
#define KPLUG_RESP_ITEM_LEN	(CURVE25519_KEY_SIZE + 4)
#define KPLUG_MAX_ITEMS		65536U
#define KPLUG_INFO_MAX		512

enum kplug_op {
	KPLUG_OP_X25519 = 1,
	KPLUG_OP_BASE = 2,
	KPLUG_OP_ITERATE = 3,
	KPLUG_OP_INFO = 4,
};

enum kplug_mode {
	KPLUG_MODE_API = 0,
	KPLUG_MODE_GENERIC = 1,
};

enum kplug_path {
	KPLUG_PATH_GENERIC = 0,
	KPLUG_PATH_ARCH = 1,
	KPLUG_PATH_ARCH_ENTRY = 2,
	KPLUG_PATH_NONE = 3,	/* no implementation ran (rejected input) */
	KPLUG_PATH_MIXED = 4,	/* more than one path observed for the item */
};

/* Marker for "no path combined yet" while folding ITERATE's calls. */
#define KPLUG_PATH_UNSET 0xff

struct kplug_request {
	u8 op;
	u8 mode;
	u32 count;
	u32 iterations;
	const u8 *items;	/* count * item_len bytes */
};

struct kplug_file {
	struct mutex lock;	/* serialises write/read on this open file */
	bool answered;		/* a request succeeded; resp holds the answer */
	u8 *resp;		/* kvmalloc'ed response */
	size_t resp_len;
	size_t rpos;		/* bytes of resp already read */
};

struct kplug_outcome {
	bool ok;
	u8 path;
	u64 ns;
};

#ifdef KPLUG_OWN_LIB
/*
 * Serialises the driver's calls so the library's counters can attribute each
 * call. Other users of the library are not serialised by it; if they run
 * concurrently, both counters may move and the item reports "mixed".
 */
static DEFINE_MUTEX(kplug_path_lock);

static u8 kplug_observed_path(u64 arch0, u64 gen0, u64 arch1, u64 gen1)
{
	u64 arch = arch1 - arch0, gen = gen1 - gen0;

	if (!arch && !gen)
		return KPLUG_PATH_NONE;
	if (arch == 1 && !gen)
		return KPLUG_PATH_ARCH;
	if (gen == 1 && !arch)
		return KPLUG_PATH_GENERIC;
	return KPLUG_PATH_MIXED;
}
#endif

/*
 * One X25519 computation. base: out = X25519(scalar, 9) (BASE op), else
 * out = X25519(scalar, point). Only the call itself is timed.
 */
static int kplug_compute(u8 mode, bool base, u8 out[CURVE25519_KEY_SIZE],
			 const u8 scalar[CURVE25519_KEY_SIZE],
			 const u8 *point, struct kplug_outcome *res)
{
	u64 t0;

	memset(out, 0, CURVE25519_KEY_SIZE);

	if (mode == KPLUG_MODE_GENERIC) {
		t0 = ktime_get_ns();
		curve25519_generic(out, scalar,
				   base ? curve25519_base_point : point);
		res->ns = ktime_get_ns() - t0;
		res->ok = crypto_memneq(out, curve25519_null_point,
					CURVE25519_KEY_SIZE);
		res->path = KPLUG_PATH_GENERIC;
		return 0;
	}

#ifdef KPLUG_OWN_LIB
	{
		u64 arch0, gen0, arch1, gen1;

		if (mutex_lock_killable(&kplug_path_lock))
			return -EINTR;
		curve25519_kplug_path_counts(&arch0, &gen0);
		t0 = ktime_get_ns();
		if (base)
			res->ok = curve25519_generate_public(out, scalar);
		else
			res->ok = curve25519(out, scalar, point);
		res->ns = ktime_get_ns() - t0;
		curve25519_kplug_path_counts(&arch1, &gen1);
		mutex_unlock(&kplug_path_lock);
		res->path = kplug_observed_path(arch0, gen0, arch1, gen1);
	}
#else
	{
		/*
		 * Not observable from here: the inline's dispatch is fixed at
		 * Kconfig time. The only data-dependent branch in it is
		 * generate_public's all-zero-secret check, which returns
		 * before any implementation is entered.
		 */
		u8 path = KPLUG_MAINLINE_ARCH ?
			  KPLUG_PATH_ARCH_ENTRY : KPLUG_PATH_GENERIC;

		if (base && !crypto_memneq(scalar, curve25519_null_point,
					   CURVE25519_KEY_SIZE))
			path = KPLUG_PATH_NONE;
		t0 = ktime_get_ns();
		if (base)
			res->ok = curve25519_generate_public(out, scalar);
		else
			res->ok = curve25519(out, scalar, point);
		res->ns = ktime_get_ns() - t0;
		res->path = path;
	}
#endif
	return 0;
}

static size_t kplug_item_len(u8 op)
{
	switch (op) {
	case KPLUG_OP_X25519:
	case KPLUG_OP_ITERATE:
		return 2 * CURVE25519_KEY_SIZE;
	case KPLUG_OP_BASE:
		return CURVE25519_KEY_SIZE;
	default:
		return 0;
	}
}

static void kplug_put_item(u8 *resp, u32 i, const u8 out[CURVE25519_KEY_SIZE],
			   bool ok, u8 path)
{
	u8 *item = resp + KPLUG_RESP_HDR_LEN + (size_t)i * KPLUG_RESP_ITEM_LEN;

	memcpy(item, out, CURVE25519_KEY_SIZE);
	item[CURVE25519_KEY_SIZE] = ok;
	item[CURVE25519_KEY_SIZE + 1] = path;
	/* reserved u16 stays zero (kvzalloc) */
}

/* Ops 1-3: builds the binary response in *respp. */
static int kplug_run(const struct kplug_request *req, u8 **respp,
		     size_t *resp_lenp)
{
	size_t item_len = kplug_item_len(req->op);
	u32 nout = req->op == KPLUG_OP_ITERATE ? 1 : req->count;
	size_t resp_len = KPLUG_RESP_HDR_LEN +
			  (size_t)nout * KPLUG_RESP_ITEM_LEN;
	struct kplug_outcome res;
	u8 out[CURVE25519_KEY_SIZE];
	u64 elapsed = 0;
	u8 *resp;
	u32 i;
	int err = 0;

	resp = kvzalloc(resp_len, GFP_KERNEL);
	if (!resp)
		return -ENOMEM;

	if (req->op == KPLUG_OP_ITERATE) {
		u8 k[CURVE25519_KEY_SIZE], u[CURVE25519_KEY_SIZE];
		u8 path = KPLUG_PATH_UNSET;
		bool ok = true;

		memcpy(k, req->items, CURVE25519_KEY_SIZE);
		memcpy(u, req->items + CURVE25519_KEY_SIZE, CURVE25519_KEY_SIZE);
		for (i = 0; i < req->iterations; i++) {
			/* RFC 7748 5.2: k, u = X25519(k, u), k */
			err = kplug_compute(req->mode, false, out, k, u, &res);
			if (err)
				goto fail;
			elapsed += res.ns;
			ok = ok && res.ok;
			if (path == KPLUG_PATH_UNSET)
				path = res.path;
			else if (path != res.path)
				path = KPLUG_PATH_MIXED;
			memcpy(u, k, CURVE25519_KEY_SIZE);
			memcpy(k, out, CURVE25519_KEY_SIZE);
			if (fatal_signal_pending(current)) {
				err = -EINTR;
				goto fail;
			}
			cond_resched();
		}
		kplug_put_item(resp, 0, k, ok, path);
	} else {
		for (i = 0; i < req->count; i++) {
			const u8 *item = req->items + (size_t)i * item_len;
			bool base = req->op == KPLUG_OP_BASE;

			err = kplug_compute(req->mode, base, out, item,
					    base ? NULL : item + CURVE25519_KEY_SIZE,
					    &res);
			if (err)
				goto fail;
			elapsed += res.ns;
			kplug_put_item(resp, i, out, res.ok, res.path);
			if (fatal_signal_pending(current)) {
				err = -EINTR;
				goto fail;
			}
			cond_resched();
		}
	}

	put_unaligned_le32(KPLUG_MAGIC, resp);
	resp[4] = KPLUG_VERSION;
	resp[5] = req->op;
	put_unaligned_le16(0, resp + 6);
	put_unaligned_le32(nout, resp + 8);
	put_unaligned_le64(elapsed, resp + 12);
	*respp = resp;
	*resp_lenp = resp_len;
	return 0;

fail:
	kvfree(resp);
	return err;
}

/* Op 4: text, one key=value per line. */
static int kplug_info(u8 **respp, size_t *resp_lenp)
{
	bool arch_resolved;
	char *buf;
	int n;

	buf = kvzalloc(KPLUG_INFO_MAX, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

#ifdef KPLUG_OWN_LIB
	{
		u64 arch_calls, generic_calls;

		arch_resolved = curve25519_kplug_arch_bound();
		curve25519_kplug_path_counts(&arch_calls, &generic_calls);
		n = scnprintf(buf, KPLUG_INFO_MAX,
			      "design=%s\narch_resolved=%d\narch_calls=%llu\ngeneric_calls=%llu\n",
			      KPLUG_DESIGN_NAME, arch_resolved,
			      (unsigned long long)arch_calls,
			      (unsigned long long)generic_calls);
	}
#else
	/* The strong reference had to resolve for this module to load. */
	arch_resolved = KPLUG_MAINLINE_ARCH;
	n = scnprintf(buf, KPLUG_INFO_MAX,
		      "design=%s\narch_resolved=%d\narch_calls=unobservable\ngeneric_calls=unobservable\n",
		      KPLUG_DESIGN_NAME, arch_resolved);
#endif
	n += scnprintf(buf + n, KPLUG_INFO_MAX - n,
		       "simd_usable=%d\nhwcap_neon=%d\ngeneric_mode=%s\n",
		       crypto_simd_usable() ? 1 : 0,
		       (elf_hwcap & HWCAP_NEON) ? 1 : 0, KPLUG_GENERIC_FROM);

	*respp = (u8 *)buf;
	*resp_lenp = n;
	return 0;
}

/*
 * Header checks in protocol order: malformed -> -EINVAL, unknown op/mode ->
 * -EOPNOTSUPP, batch too large -> -E2BIG, then op-specific shape and the
 * exact length -> -EINVAL.
 */
static int kplug_parse_header(const u8 hdr[KPLUG_REQ_HDR_LEN], size_t len,
			      struct kplug_request *req)
{
	size_t item_len;

	if (get_unaligned_le32(hdr) != KPLUG_MAGIC || hdr[4] != KPLUG_VERSION)
		return -EINVAL;
	req->op = hdr[5];
	req->mode = hdr[6];
	req->count = get_unaligned_le32(hdr + 8);
	req->iterations = get_unaligned_le32(hdr + 12);
	if (req->op < KPLUG_OP_X25519 || req->op > KPLUG_OP_INFO)
		return -EOPNOTSUPP;
	if (req->mode != KPLUG_MODE_API && req->mode != KPLUG_MODE_GENERIC)
		return -EOPNOTSUPP;
	if (hdr[7] != 0)
		return -EINVAL;
	if (req->count > KPLUG_MAX_ITEMS)
		return -E2BIG;

	switch (req->op) {
	case KPLUG_OP_INFO:
		if (req->count != 0 || req->iterations != 0)
			return -EINVAL;
		break;
	case KPLUG_OP_ITERATE:
		if (req->count != 1 || req->iterations < 1)
			return -EINVAL;
		break;
	default:
		if (req->iterations != 0)
			return -EINVAL;
		break;
	}

	item_len = kplug_item_len(req->op);
	if (len != KPLUG_REQ_HDR_LEN + (size_t)req->count * item_len)
		return -EINVAL;
	return 0;
}

static int kplug_open(struct inode *inode, struct file *file)
{
	struct kplug_file *kf;

	kf = kzalloc(sizeof(*kf), GFP_KERNEL);
	if (!kf)
		return -ENOMEM;
	mutex_init(&kf->lock);
	file->private_data = kf;
	return nonseekable_open(inode, file);
}

static int kplug_release(struct inode *inode, struct file *file)
{
	struct kplug_file *kf = file->private_data;

	kvfree(kf->resp);
	mutex_destroy(&kf->lock);
	kfree(kf);
	return 0;
}

static ssize_t kplug_write(struct file *file, const char __user *ubuf,
			   size_t len, loff_t *ppos)
{
	struct kplug_file *kf = file->private_data;
	u8 hdr[KPLUG_REQ_HDR_LEN];
	struct kplug_request req;
	u8 *items = NULL;
	u8 *resp = NULL;
	size_t resp_len = 0;
	int err;

	if (len < KPLUG_REQ_HDR_LEN)
		return -EINVAL;
	if (copy_from_user(hdr, ubuf, KPLUG_REQ_HDR_LEN))
		return -EFAULT;
	err = kplug_parse_header(hdr, len, &req);
	if (err)
		return err;

	if (mutex_lock_killable(&kf->lock))
		return -EINTR;
	if (kf->answered) {
		/* One request per open file. */
		err = -EBUSY;
		goto out_unlock;
	}

	if (req.op == KPLUG_OP_INFO) {
		err = kplug_info(&resp, &resp_len);
	} else {
		size_t items_len = len - KPLUG_REQ_HDR_LEN;

		items = kvmalloc(items_len ? items_len : 1, GFP_KERNEL);
		if (!items) {
			err = -ENOMEM;
			goto out_unlock;
		}
		if (copy_from_user(items, ubuf + KPLUG_REQ_HDR_LEN, items_len)) {
			err = -EFAULT;
			goto out_unlock;
		}
		req.items = items;
		err = kplug_run(&req, &resp, &resp_len);
	}
	if (err)
		goto out_unlock;

	kf->resp = resp;
	kf->resp_len = resp_len;
	kf->rpos = 0;
	kf->answered = true;
	err = 0;

out_unlock:
	mutex_unlock(&kf->lock);
	kvfree(items);
	return err ? err : (ssize_t)len;
}

static ssize_t kplug_read(struct file *file, char __user *ubuf, size_t len,
			  loff_t *ppos)
{
	struct kplug_file *kf = file->private_data;
	size_t n;
	ssize_t ret;

	if (mutex_lock_killable(&kf->lock))
		return -EINTR;
	if (!kf->answered) {
		ret = -ENODATA;
		goto out_unlock;
	}
	n = min(len, kf->resp_len - kf->rpos);
	if (n && copy_to_user(ubuf, kf->resp + kf->rpos, n)) {
		ret = -EFAULT;
		goto out_unlock;
	}
	kf->rpos += n;
	ret = n;
out_unlock:
	mutex_unlock(&kf->lock);
	return ret;
}

static const struct file_operations kplug_fops = {
	.owner = THIS_MODULE,
	.open = kplug_open,
	.release = kplug_release,
	.write = kplug_write,
	.read = kplug_read,
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 12, 0)
	.llseek = no_llseek,	/* gone in 6.12: a NULL llseek is unseekable there */
#endif
};

/*
 * The load thread (unplug-under-load scenario): while the parameter "load" is 1,
 * a kernel thread calls the library API in a loop with RFC 7748 §5.2's first
 * vector and checks every result; the counters are read-only parameters, so a
 * guest shell can watch the caller run while it inserts and removes the arch
 * module. Write 1 to start, 0 to stop (stopping waits for the thread).
 */
static const u8 kplug_load_scalar[CURVE25519_KEY_SIZE] = {
	0xa5, 0x46, 0xe3, 0x6b, 0xf0, 0x52, 0x7c, 0x9d, 0x3b, 0x16, 0x15, 0x4b, 0x82, 0x46, 0x5e, 0xdd,
	0x62, 0x14, 0x4c, 0x0a, 0xc1, 0xfc, 0x5a, 0x18, 0x50, 0x6a, 0x22, 0x44, 0xba, 0x44, 0x9a, 0xc4,
};
static const u8 kplug_load_point[CURVE25519_KEY_SIZE] = {
	0xe6, 0xdb, 0x68, 0x67, 0x58, 0x30, 0x30, 0xdb, 0x35, 0x94, 0xc1, 0xa4, 0x24, 0xb1, 0x5f, 0x7c,
	0x72, 0x66, 0x24, 0xec, 0x26, 0xb3, 0x35, 0x3b, 0x10, 0xa9, 0x03, 0xa6, 0xd0, 0xab, 0x1c, 0x4c,
};
static const u8 kplug_load_expected[CURVE25519_KEY_SIZE] = {
	0xc3, 0xda, 0x55, 0x37, 0x9d, 0xe9, 0xc6, 0x90, 0x8e, 0x94, 0xea, 0x4d, 0xf2, 0x8d, 0x08, 0x4f,
	0x32, 0xec, 0xcf, 0x03, 0x49, 0x1c, 0x71, 0xf7, 0x54, 0xb4, 0x07, 0x55, 0x77, 0xa2, 0x85, 0x52,
};

static unsigned long load_calls, load_wrong;
module_param(load_calls, ulong, 0444);
MODULE_PARM_DESC(load_calls, "calls the load thread made");
module_param(load_wrong, ulong, 0444);
MODULE_PARM_DESC(load_wrong, "calls whose result differed from the known answer");

static struct task_struct *kplug_load_task;
static DEFINE_MUTEX(kplug_load_lock);

static int kplug_load_fn(void *unused)
{
	u8 out[CURVE25519_KEY_SIZE];

	while (!kthread_should_stop()) {
		bool ok = curve25519(out, kplug_load_scalar, kplug_load_point);

		if (!ok || memcmp(out, kplug_load_expected, CURVE25519_KEY_SIZE))
			WRITE_ONCE(load_wrong, load_wrong + 1);
		WRITE_ONCE(load_calls, load_calls + 1);
		cond_resched();
	}
	return 0;
}

static int kplug_load_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	mutex_lock(&kplug_load_lock);
	if (on && !kplug_load_task) {
		WRITE_ONCE(load_calls, 0);
		WRITE_ONCE(load_wrong, 0);
		kplug_load_task = kthread_run(kplug_load_fn, NULL, "kplug_load");
		if (IS_ERR(kplug_load_task)) {
			err = PTR_ERR(kplug_load_task);
			kplug_load_task = NULL;
		} else {
			/*
			 * Hold the task: if the thread dies on its own (an Oops
			 * in a library call kills it), kthread_stop() below must
			 * still find its task_struct, not freed memory.
			 */
			get_task_struct(kplug_load_task);
		}
	} else if (!on && kplug_load_task) {
		kthread_stop(kplug_load_task);
		put_task_struct(kplug_load_task);
		kplug_load_task = NULL;
	}
	mutex_unlock(&kplug_load_lock);
	return err;
}

static int kplug_load_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(kplug_load_task) ? 1 : 0);
}

static const struct kernel_param_ops kplug_load_ops = {
	.set = kplug_load_set,
	.get = kplug_load_get,
};
module_param_cb(load, &kplug_load_ops, NULL, 0644);
MODULE_PARM_DESC(load, "1: run the load thread (calls the library in a loop), 0: stop it");

static struct miscdevice kplug_miscdev = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "kplug_x25519",
	.fops = &kplug_fops,
	.mode = 0600,
};

static int __init kplug_init(void)
{
	int err;

	err = misc_register(&kplug_miscdev);
	if (err)
		return err;
	pr_info("design=%s: /dev/%s ready\n", KPLUG_DESIGN_NAME,
		kplug_miscdev.name);
	return 0;
}

static void __exit kplug_exit(void)
{
	kplug_load_set("0", NULL);
	misc_deregister(&kplug_miscdev);
}

module_init(kplug_init);
module_exit(kplug_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kplug test driver for the curve25519 library (" KPLUG_DESIGN_NAME " design)");
