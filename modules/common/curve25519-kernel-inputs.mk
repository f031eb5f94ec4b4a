# SPDX-License-Identifier: GPL-2.0
#
# kplug: what the out-of-tree designs do with the files staged from the kernel tree
# (harness/build/module-sets.ts says which, on the make command line):
#   KPLUG_SELFTEST=n     the kernel has no lib/crypto/curve25519-selftest.c (7.x: its
#                        tests are KUnit): the library builds without the init self-test;
#   KPLUG_OWN_GENERIC=y  the kernel builds no libcurve25519-generic.ko (7.x links the generic
#                        code into libcurve25519.ko and exports none of it): kplug builds one
#                        under that name from the kernel's lib/crypto/curve25519-fiat32.c.

ifeq ($(KPLUG_SELFTEST),n)
libcurve25519-y := $(filter-out curve25519-selftest-kplug.o,$(libcurve25519-y))
ccflags-y += -DKPLUG_NO_SELFTEST
endif

ifeq ($(KPLUG_OWN_GENERIC),y)
obj-m += libcurve25519-generic.o
libcurve25519-generic-y := curve25519-fiat32.o curve25519-generic-kplug.o
endif
