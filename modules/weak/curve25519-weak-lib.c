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

#include <linux/compiler.h>
#include <linux/types.h>

#include "curve25519-kplug.h"

/* The weak references: satisfied at load time, or left unresolved (== NULL). */
extern typeof(curve25519_arch) curve25519_arch __weak;
extern typeof(curve25519_base_arch) curve25519_base_arch __weak;

static bool kplug_try_arch(u8 *out, const u8 *scalar, const u8 *point)
{
	return curve25519_arch && curve25519_arch(out, scalar, point);
}

static bool kplug_try_base_arch(u8 *pub, const u8 *secret)
{
	return curve25519_base_arch && curve25519_base_arch(pub, secret);
}

static bool kplug_arch_bound(void)
{
	return curve25519_arch != NULL;
}

#define KPLUG_LIB_DESIGN "weak"
#include "curve25519-lib-body.h"

/*
 * The arch module is optional, and userspace is told so where the kernel has
 * the macro (6.11+): kmod 33+ depmod writes it to modules.weakdep; older kmod
 * ignores the modinfo key. The weak references above are what binds.
 */
#ifdef MODULE_WEAKDEP
MODULE_WEAKDEP("curve25519-neon");
#endif

MODULE_DESCRIPTION("kplug weak-reference design: curve25519 library reaching curve25519_arch through a weak symbol");
