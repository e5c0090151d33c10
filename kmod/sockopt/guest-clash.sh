#!/bin/sh
# Run in the QEMU guest after insmod sockopt_srv.ko, before the program (kmod/harness/modules.ts,
# `afterInsmod`): insmod the clashing module. What insmod prints opens the case's transcript, as
# examples/sockopt/run.ts prints it on the simulator: "insmod: ERROR: could not insert module
# sockopt_clash.ko: Device or resource busy". Were it loaded (no clash), it is removed at once.
cd "$(dirname "$0")" || exit 1
insmod sockopt_clash.ko 2>&1 && rmmod sockopt_clash
exit 0
