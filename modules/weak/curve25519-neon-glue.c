// SPDX-License-Identifier: GPL-2.0
/*
 * kplug: curve25519-neon.ko for the WEAK design.
 *
 * Wraps the kernel's NEON routine (arch/arm/crypto/curve25519-core.S, staged
 * into the build dir by the harness) and exports the arch hooks that
 * libcurve25519.ko references weakly. Unlike the in-tree glue, the hooks do
 * not fall back to curve25519_generic() themselves: they return false when
 * they cannot use NEON here, and the library takes its generic path (so the
 * library's counters see which implementation ran).
 *
 * On a CPU without NEON the module refuses to load, so it never stays
 * resident there and the library's weak reference stays unresolved.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <asm/hwcap.h>
#include <asm/neon.h>
#include <asm/simd.h>
#include <crypto/internal/simd.h>
#include <linux/crypto.h>
#include <linux/init.h>
#include <linux/linkage.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/types.h>

#include "curve25519-weak.h"

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
EXPORT_SYMBOL(curve25519_arch);

bool curve25519_base_arch(u8 pub[CURVE25519_KEY_SIZE],
			  const u8 secret[CURVE25519_KEY_SIZE])
{
	return curve25519_arch(pub, secret, curve25519_base_point);
}
EXPORT_SYMBOL(curve25519_base_arch);

static int __init curve25519_neon_init(void)
{
	if (!(elf_hwcap & HWCAP_NEON)) {
		pr_info("CPU has no NEON (HWCAP_NEON clear): refusing to load, the library keeps its generic path\n");
		return -ENODEV;
	}
	pr_info("NEON present: exporting curve25519_arch/curve25519_base_arch\n");
	return 0;
}

static void __exit curve25519_neon_exit(void)
{
}

module_init(curve25519_neon_init);
module_exit(curve25519_neon_exit);

/* The in-tree glue's crypto aliases (arch/arm/crypto/curve25519-glue.c), for parity. */
MODULE_ALIAS_CRYPTO("curve25519");
MODULE_ALIAS_CRYPTO("curve25519-neon");
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kplug weak-reference design: NEON curve25519_arch for the weakly linked curve25519 library");
