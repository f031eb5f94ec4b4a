// SPDX-License-Identifier: GPL-2.0
/*
 * kplug: curve25519-neon.ko for the out-of-tree designs (weak, softdep, static-call).
 *
 * Wraps the kernel's NEON routine (arch/arm/crypto/curve25519-core.S, staged
 * into the build dir by the harness). Unlike the in-tree glue, the hook does
 * not fall back to curve25519_generic() itself: it returns false when it cannot
 * use NEON here, and the library takes its generic path (so the library's
 * counters see which implementation ran). How the library reaches it is the
 * design (set by the set's Kbuild):
 *   (default)              exports curve25519_arch/curve25519_base_arch
 *                          (EXPORT_SYMBOL) for the weak reference;
 *   KPLUG_ARCH_EXPORT_GPL  the same with EXPORT_SYMBOL_GPL (softdep: symbol_get);
 *   KPLUG_ARCH_STATIC_CALL exports nothing: retargets the library's static call
 *                          curve25519_impl at init and restores it at exit.
 *
 * On a CPU without NEON the module refuses to load, so it never stays
 * resident there and the library keeps its generic path.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/hwcap.h>
#include <asm/neon.h>
#include <asm/simd.h>
#include <crypto/algapi.h> /* MODULE_ALIAS_CRYPTO from 6.12 (it was in <linux/crypto.h>) */
#include <crypto/internal/simd.h>
#include <linux/crypto.h>
#include <linux/init.h>
#include <linux/linkage.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/static_call.h>
#include <linux/types.h>

#include "curve25519-kplug.h"

asmlinkage void curve25519_neon(u8 mypublic[CURVE25519_KEY_SIZE],
				const u8 secret[CURVE25519_KEY_SIZE],
				const u8 basepoint[CURVE25519_KEY_SIZE]);

bool curve25519_arch(u8 out[CURVE25519_KEY_SIZE],
		     const u8 scalar[CURVE25519_KEY_SIZE],
		     const u8 point[CURVE25519_KEY_SIZE])
{
	if (!crypto_simd_usable())
		return false;

	kernel_neon_begin();
	curve25519_neon(out, scalar, point);
	kernel_neon_end();
	return true;
}

bool curve25519_base_arch(u8 pub[CURVE25519_KEY_SIZE],
			  const u8 secret[CURVE25519_KEY_SIZE])
{
	return curve25519_arch(pub, secret, curve25519_base_point);
}

#if defined(KPLUG_ARCH_STATIC_CALL)
DECLARE_STATIC_CALL(curve25519_impl, curve25519_impl_none);
#define KPLUG_HOW "retargeting the library's static call curve25519_impl"
#elif defined(KPLUG_ARCH_EXPORT_GPL)
EXPORT_SYMBOL_GPL(curve25519_arch);
EXPORT_SYMBOL_GPL(curve25519_base_arch);
#define KPLUG_HOW "exporting curve25519_arch/curve25519_base_arch (GPL)"
#else
EXPORT_SYMBOL(curve25519_arch);
EXPORT_SYMBOL(curve25519_base_arch);
#define KPLUG_HOW "exporting curve25519_arch/curve25519_base_arch"
#endif

static int __init curve25519_neon_init(void)
{
	if (!(elf_hwcap & HWCAP_NEON)) {
		pr_info("CPU has no NEON (HWCAP_NEON clear): refusing to load, the library keeps its generic path\n");
		return -ENODEV;
	}
#if defined(KPLUG_ARCH_STATIC_CALL)
	static_call_update(curve25519_impl, curve25519_arch);
#endif
	pr_info("NEON present: " KPLUG_HOW "\n");
	return 0;
}

static void __exit curve25519_neon_exit(void)
{
#if defined(KPLUG_ARCH_STATIC_CALL)
	/* Calls already inside curve25519_arch are not waited for: what unplugging under load tests. */
	static_call_update(curve25519_impl, curve25519_impl_none);
#endif
}

module_init(curve25519_neon_init);
module_exit(curve25519_neon_exit);

/* The in-tree glue's crypto aliases (arch/arm/crypto/curve25519-glue.c), for parity. */
MODULE_ALIAS_CRYPTO("curve25519");
MODULE_ALIAS_CRYPTO("curve25519-neon");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kplug out-of-tree designs: NEON curve25519_arch for kplug's curve25519 library");
