#!/bin/sh
# icmp-logger in the QEMU guest, before insmod: the simulator's network made real. A veth pair
# joins the guest (10.0.0.1 on nlsim0) to a second network namespace holding 10.0.0.2 and
# 10.0.0.3 (on nlsim1), so pings from there arrive on nlsim0 and pass NF_INET_PRE_ROUTING in
# init_net, where imp2_k hooks, exactly as the simulator's pings arriving on eth0.
set -e
modprobe veth
ip netns del nlsim-peer 2>/dev/null || true
ip netns add nlsim-peer
ip link add nlsim0 type veth peer name nlsim1
ip link set nlsim1 netns nlsim-peer
ip addr add 10.0.0.1/24 dev nlsim0
ip link set nlsim0 up
ip -n nlsim-peer link set lo up
ip -n nlsim-peer addr add 10.0.0.2/24 dev nlsim1
ip -n nlsim-peer addr add 10.0.0.3/24 dev nlsim1
ip -n nlsim-peer link set nlsim1 up
