#!/bin/sh
# icmp-logger's traffic in the QEMU guest, started once imp2_u has registered: the simulator's two
# ping flows (examples/icmp-logger/run.ts DEFAULT_PINGS: 5 from 10.0.0.2 at 1/s, then 10 from
# 10.0.0.3 at 2/s, all to 10.0.0.1), with 10% shorter intervals so that the last one lands well
# inside imp2_u's 5 s under TCG. The replies go out of nlsim0 and are not logged (no PRE_ROUTING).
ip netns exec nlsim-peer busybox ping -q -c 5 -i 0.9 -I 10.0.0.2 10.0.0.1 >/dev/null &
sleep 0.2
ip netns exec nlsim-peer busybox ping -q -c 10 -i 0.45 -I 10.0.0.3 10.0.0.1 >/dev/null &
wait
