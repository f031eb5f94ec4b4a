// SPDX-License-Identifier: GPL-2.0
/*
 * kplug: libcurve25519.ko for the WEAK design.
 *
 * The library API (curve25519(), curve25519_generate_public()) lives here as
 * real exported functions instead of <crypto/curve25519.h> inlines. It reaches
 * the arch implementation through WEAK references to curve25519_arch and
 * curve25519_base_arch: when this module loads, the module loader either
 * resolves them against a loaded curve25519-neon.ko or leaves them at 0. The
 * address test below then skips the call, and curve25519_generic() serves it.
 * No function pointers, no memory loads: just the relocations of the movw/movt
 * pair and of the bl, as in the thread's disassembly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/bug.h>
#include <linux/compiler.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <crypto/algapi.h> /* crypto_memneq */

#include "curve25519-weak.h"

/* The weak references: satisfied at load time, or left unresolved (== NULL). */
extern typeof(curve25519_arch) curve25519_arch __weak;
extern typeof(curve25519_base_arch) curve25519_base_arch __weak;

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
	bool arch = curve25519_arch && curve25519_arch(mypublic, secret, basepoint);

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

	arch = curve25519_base_arch && curve25519_base_arch(pub, secret);
	if (!arch)
		curve25519_generic(pub, secret, curve25519_base_point);
	curve25519_count(arch);
	return crypto_memneq(pub, curve25519_null_point, CURVE25519_KEY_SIZE);
}
EXPORT_SYMBOL(curve25519_generate_public);

bool curve25519_weak_arch_resolved(void)
{
	return curve25519_arch != NULL;
}
EXPORT_SYMBOL(curve25519_weak_arch_resolved);

void curve25519_weak_path_counts(u64 *arch, u64 *generic)
{
	if (arch)
		*arch = atomic64_read(&curve25519_arch_calls);
	if (generic)
		*generic = atomic64_read(&curve25519_generic_calls);
}
EXPORT_SYMBOL(curve25519_weak_path_counts);

static int __init curve25519_weak_init(void)
{
	/* Same gate and answer as 6.1's lib/crypto/curve25519.c. */
	if (!IS_ENABLED(CONFIG_CRYPTO_MANAGER_DISABLE_TESTS) &&
	    WARN_ON(!curve25519_selftest()))
		return -ENODEV;
	if (curve25519_arch)
		pr_info("weak curve25519_arch resolved to %ps; arch path available\n",
			curve25519_arch);
	else
		pr_info("weak curve25519_arch unresolved; every call uses curve25519_generic\n");
	return 0;
}

static void __exit curve25519_weak_exit(void)
{
}

module_init(curve25519_weak_init);
module_exit(curve25519_weak_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kplug weak-reference design: curve25519 library reaching curve25519_arch through a weak symbol");
