// SPDX-License-Identifier: GPL-2.0
/*
 * kplug: libcurve25519-generic.ko for a kernel that builds none (7.x links the generic code
 * into libcurve25519.ko and exports none of it). The implementation is the kernel's own
 * lib/crypto/curve25519-fiat32.c, staged verbatim; this file exports what 6.x's
 * lib/crypto/curve25519-generic.c exports, so the out-of-tree designs link the same way on
 * every kernel.
 */
#include <crypto/curve25519.h>
#include <linux/module.h>

const u8 curve25519_null_point[CURVE25519_KEY_SIZE] __aligned(32) = { 0 };
const u8 curve25519_base_point[CURVE25519_KEY_SIZE] __aligned(32) = { 9 };

EXPORT_SYMBOL(curve25519_null_point);
EXPORT_SYMBOL(curve25519_base_point);
EXPORT_SYMBOL(curve25519_generic);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kplug: curve25519_generic from the kernel's curve25519-fiat32.c, exported as 6.x's libcurve25519-generic.ko");
