#!/bin/sh
# icmp-logger --mode buggy's traffic in the QEMU guest: imp2_u listens 3 s (examples/icmp-logger/index.ts),
# in which the simulator's flows send 3 pings from 10.0.0.2 and 6 from 10.0.0.3 (the last at 2.52 s);
# here 20% faster than the simulator's, so that the last lands inside the 3 s under TCG.
exec sh "$(dirname "$0")/guest-ping.sh" 3 0.8 6 0.4
