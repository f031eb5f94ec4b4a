// SPDX-License-Identifier: GPL-2.0
/*
 * kplug-block: a module whose init never returns. It sleeps uninterruptibly (D state) on a completion
 * nobody completes, so the insmod that loads it survives SIGKILL: the agent must report it stuck
 * (state and wchan from /proc/<pid>/) and the host must kill the VM. Never load it outside a test VM.
 */
#include <linux/completion.h>
#include <linux/module.h>

static DECLARE_COMPLETION(never);

static int __init kplug_block_init(void)
{
	pr_info("kplug_block: init blocks uninterruptibly (fault injection)\n");
	wait_for_completion(&never);
	return 0;
}
module_init(kplug_block_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kplug fault injection: a module init that never returns");
