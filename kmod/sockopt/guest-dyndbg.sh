#!/bin/sh
# A case's setup in the QEMU guest (kmod/harness/modules.ts): turn on the pr_debug call sites of
# net/netfilter/nf_sockopt.c (dynamic debug; Debian's kernel leaves them off), so that
# nf_register_sockopt's "nf_sock overlap: ..." line reaches dmesg, as examples/sockopt/run.ts
# does on the simulator. Fails when the kernel has no such call site to turn on.
set -e
control=/proc/dynamic_debug/control
if [ ! -w "$control" ]; then
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	control=/sys/kernel/debug/dynamic_debug/control
fi
echo 'file net/netfilter/nf_sockopt.c +p' >"$control"
if ! grep -q '^net/netfilter/nf_sockopt.c:[0-9]* \[netfilter\]nf_register_sockopt =p ' "$control"; then
	echo "no nf_register_sockopt call site turned on in $control: $(grep nf_sockopt "$control")"
	exit 1
fi
