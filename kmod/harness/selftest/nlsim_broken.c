// SPDX-License-Identifier: GPL-2.0
/*
 * A module that is broken on purpose, for the harness's self-test (`npm run test:kernel --
 * --selftest`): with fail=einval its init returns -EINVAL (insmod must fail, and so must the
 * harness); with fail=panic it panics the guest (the harness must say so, not pass).
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>

static char *fail = "einval";
module_param(fail, charp, 0444);
MODULE_PARM_DESC(fail, "einval: init returns -EINVAL; panic: init panics the kernel");

static int __init nlsim_broken_init(void)
{
	if (strcmp(fail, "panic") == 0)
		panic("nlsim_broken: panicking on purpose (harness self-test)");
	pr_info("nlsim_broken: init returns -EINVAL on purpose (harness self-test)\n");
	return -EINVAL;
}

static void __exit nlsim_broken_exit(void)
{
}

module_init(nlsim_broken_init);
module_exit(nlsim_broken_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("nlsim harness self-test: a module broken on purpose");
