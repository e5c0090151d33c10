#!/bin/sh
# icmp-logger's traffic in the QEMU guest, started once imp2_u has registered: the simulator's two
# ping flows (examples/icmp-logger/run.ts DEFAULT_PINGS: from 10.0.0.2 at 1/s, from 10.0.0.3 at 2/s,
# all to 10.0.0.1), with 10% shorter intervals so that the last one lands well inside imp2_u's time
# under TCG. The replies go out of nlsim0 and are not logged (no PRE_ROUTING).
#   guest-ping.sh [N2 I2 N3 I3]   N2 pings from 10.0.0.2 every I2 s, N3 from 10.0.0.3 every I3 s;
#                                 default 5 0.9 10 0.45 (imp2_u's 5 s in every mode)
n2=${1:-5}
i2=${2:-0.9}
n3=${3:-10}
i3=${4:-0.45}
# one `ip netns exec` for both flows: under TCG each costs a noticeable start-up, which would skew
# the 0.2 s between the flows (the ctrl-c case's timing depends on it)
exec ip netns exec nlsim-peer sh -c "
busybox ping -q -c $n2 -i $i2 -I 10.0.0.2 10.0.0.1 >/dev/null &
sleep 0.2
busybox ping -q -c $n3 -i $i3 -I 10.0.0.3 10.0.0.1 >/dev/null &
wait"
