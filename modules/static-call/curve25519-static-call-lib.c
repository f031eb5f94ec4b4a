// SPDX-License-Identifier: GPL-2.0
/*
 * kplug: libcurve25519.ko for the STATIC-CALL design.
 *
 * The library calls the arch hook through a static call, initialised to a
 * stub that declines (curve25519_impl_none → generic path). curve25519-neon.ko
 * links against the exported key, retargets the call at init and restores it
 * at exit. The dependency runs the other way round from the weak design: the
 * arch module needs the library, so MODULE_SOFTDEP("post: …") asks modprobe to
 * load it after the library. 32-bit ARM has no HAVE_STATIC_CALL: static_call()
 * is an indirect call through the key's function pointer here.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/static_call.h>
#include <linux/types.h>

#include "curve25519-kplug.h"

bool curve25519_impl_none(u8 out[CURVE25519_KEY_SIZE],
			  const u8 scalar[CURVE25519_KEY_SIZE],
			  const u8 point[CURVE25519_KEY_SIZE])
{
	return false;
}
EXPORT_SYMBOL_GPL(curve25519_impl_none);

DEFINE_STATIC_CALL(curve25519_impl, curve25519_impl_none);
EXPORT_STATIC_CALL_GPL(curve25519_impl);

static bool kplug_try_arch(u8 *out, const u8 *scalar, const u8 *point)
{
	return static_call(curve25519_impl)(out, scalar, point);
}

static bool kplug_try_base_arch(u8 *pub, const u8 *secret)
{
	return static_call(curve25519_impl)(pub, secret, curve25519_base_point);
}

static bool kplug_arch_bound(void)
{
	return static_call_query(curve25519_impl) != curve25519_impl_none;
}

#define KPLUG_LIB_DESIGN "static-call"
#include "curve25519-lib-body.h"

MODULE_SOFTDEP("post: curve25519-neon");
MODULE_DESCRIPTION("kplug static-call design: curve25519 library calling the arch hook through a static call");
