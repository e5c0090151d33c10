// What must hold of a world's netlink sockets once a run is over, whatever the program did: the
// memory accounting (a live socket's rmem_alloc is exactly the truesize of its queue; a released
// socket has nothing charged) and, when every task ended, that the programs' sockets were
// released (a process that exits closes its files) and left no port id in the hashes. Sweeps of
// examples check it after each seed (the invariant program, sim/invariants.ts, checks more of it
// after every step).
import { netlink_is_kernel } from "../kernel-model/net/netlink/index.js";
import type { RunResult, World } from "./world.js";

/** The problems found, one line each (none: the end state is sound). */
export const endStateProblems = (world: World, run: RunResult): string[] => {
  const problems: string[] = [];
  const net = world.net;
  for (const sk of net.sockets) {
    const who = `${netlink_is_kernel(sk) ? "kernel" : "user"} socket of protocol ${sk.sk_protocol} (port ${sk.portid >>> 0})`;
    if (sk.dead) {
      if (sk.sk_rmem_alloc !== 0) problems.push(`released ${who} still has ${sk.sk_rmem_alloc} bytes charged`);
      continue;
    }
    let queued = 0;
    for (const skb of sk.sk_receive_queue.toArray()) queued += skb.truesize;
    if (sk.sk_rmem_alloc !== queued) {
      problems.push(`${who}: rmem_alloc ${sk.sk_rmem_alloc} but its queue holds ${queued} bytes of truesize`);
    }
  }
  if (run.deadlocked.length === 0 && run.failed.length === 0) {
    const left = net.sockets.filter((sk) => !sk.dead && !netlink_is_kernel(sk));
    if (left.length > 0) {
      const ports = left.map((sk) => `${sk.sk_protocol}:${sk.portid >>> 0}`).join(", ");
      problems.push(`every task ended but ${left.length} user socket(s) were not released (protocol:port ${ports})`);
    }
    for (const [proto, table] of net.nl_table.entries()) {
      if (table === undefined) continue;
      for (const sk of table.hash.values()) {
        if (sk.dead) problems.push(`protocol ${proto}'s hash still holds a released socket (port ${sk.portid >>> 0})`);
      }
    }
  }
  return problems;
};
