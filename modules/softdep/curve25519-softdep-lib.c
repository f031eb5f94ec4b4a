// SPDX-License-Identifier: GPL-2.0
/*
 * kplug: libcurve25519.ko for the SOFTDEP design.
 *
 * No link-time reference to the arch code at all: every call looks the arch
 * hook up with symbol_get(curve25519_arch) (which pins curve25519-neon.ko for
 * the duration of the call only) and releases it with symbol_put(). So depmod
 * records no dependency on the arch module; MODULE_SOFTDEP("pre: …") asks
 * modprobe to load it first when it is present and loadable. The choice here
 * is per-call lookup: an arch module loaded after the library is used from the
 * next call on, and it can be removed whenever no call is inside it. The price
 * is a symbol table search and a module refcount round trip per call.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/types.h>

#include "curve25519-kplug.h"

static bool kplug_try_arch(u8 *out, const u8 *scalar, const u8 *point)
{
	typeof(&curve25519_arch) fn = symbol_get(curve25519_arch);
	bool done;

	if (!fn)
		return false;
	done = fn(out, scalar, point);
	symbol_put(curve25519_arch);
	return done;
}

static bool kplug_try_base_arch(u8 *pub, const u8 *secret)
{
	typeof(&curve25519_base_arch) fn = symbol_get(curve25519_base_arch);
	bool done;

	if (!fn)
		return false;
	done = fn(pub, secret);
	symbol_put(curve25519_base_arch);
	return done;
}

static bool kplug_arch_bound(void)
{
	typeof(&curve25519_arch) fn = symbol_get(curve25519_arch);

	if (fn)
		symbol_put(curve25519_arch);
	return fn != NULL;
}

#define KPLUG_LIB_DESIGN "softdep"
#include "curve25519-lib-body.h"

MODULE_SOFTDEP("pre: curve25519-neon");
MODULE_DESCRIPTION("kplug softdep design: curve25519 library finding curve25519_arch with symbol_get() per call");
