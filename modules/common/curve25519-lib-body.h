/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kplug: the body every out-of-tree libcurve25519.ko shares. The design's own
 * source defines, before including this once:
 *   static bool kplug_try_arch(out, scalar, point)  true when the arch code served the call;
 *   static bool kplug_try_base_arch(pub, secret)     the same for the base point;
 *   static bool kplug_arch_bound(void)               whether the arch code is reachable now;
 *   KPLUG_LIB_DESIGN                                 the design's name, for the log.
 * Here: the exported API, the per-path counters the test driver reads, and the
 * init self-test gated exactly like 6.1's lib/crypto/curve25519.c.
 */
#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <crypto/algapi.h> /* crypto_memneq */

static atomic64_t curve25519_arch_calls = ATOMIC64_INIT(0);
static atomic64_t curve25519_generic_calls = ATOMIC64_INIT(0);

/* Count a served call on the path that served it. */
static __always_inline void curve25519_count(bool arch)
{
	atomic64_inc(arch ? &curve25519_arch_calls : &curve25519_generic_calls);
}

bool curve25519(u8 mypublic[CURVE25519_KEY_SIZE],
		const u8 secret[CURVE25519_KEY_SIZE],
		const u8 basepoint[CURVE25519_KEY_SIZE])
{
	bool arch = kplug_try_arch(mypublic, secret, basepoint);

	if (!arch)
		curve25519_generic(mypublic, secret, basepoint);
	curve25519_count(arch);
	return crypto_memneq(mypublic, curve25519_null_point,
			     CURVE25519_KEY_SIZE);
}
EXPORT_SYMBOL(curve25519);

bool curve25519_generate_public(u8 pub[CURVE25519_KEY_SIZE],
				const u8 secret[CURVE25519_KEY_SIZE])
{
	bool arch;

	if (unlikely(!crypto_memneq(secret, curve25519_null_point,
				    CURVE25519_KEY_SIZE)))
		return false;

	arch = kplug_try_base_arch(pub, secret);
	if (!arch)
		curve25519_generic(pub, secret, curve25519_base_point);
	curve25519_count(arch);
	return crypto_memneq(pub, curve25519_null_point, CURVE25519_KEY_SIZE);
}
EXPORT_SYMBOL(curve25519_generate_public);

bool curve25519_kplug_arch_bound(void)
{
	return kplug_arch_bound();
}
EXPORT_SYMBOL(curve25519_kplug_arch_bound);

void curve25519_kplug_path_counts(u64 *arch, u64 *generic)
{
	if (arch)
		*arch = atomic64_read(&curve25519_arch_calls);
	if (generic)
		*generic = atomic64_read(&curve25519_generic_calls);
}
EXPORT_SYMBOL(curve25519_kplug_path_counts);

static int __init curve25519_kplug_init(void)
{
#ifndef KPLUG_NO_SELFTEST
	/* Same gate and answer as 6.1's lib/crypto/curve25519.c. */
	if (!IS_ENABLED(CONFIG_CRYPTO_MANAGER_DISABLE_TESTS) &&
	    WARN_ON(!curve25519_selftest()))
		return -ENODEV;
#else
	pr_info(KPLUG_LIB_DESIGN " design: no init self-test (this kernel has no lib/crypto/curve25519-selftest.c)\n");
#endif
	pr_info(KPLUG_LIB_DESIGN " design: arch code %s at load\n",
		kplug_arch_bound() ? "reachable" : "not reachable; calls use curve25519_generic");
	return 0;
}

static void __exit curve25519_kplug_exit(void)
{
}

module_init(curve25519_kplug_init);
module_exit(curve25519_kplug_exit);

MODULE_LICENSE("GPL");
