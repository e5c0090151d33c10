import { Effect } from "effect";
import { describe, expect, it } from "vitest";
import { IPPROTO_RAW } from "../../kernel-model/uapi/index.js";
import { World } from "../../sim/world.js";
import { InetRaw, runProcess } from "../../transport/index.js";
import { runExampleOnSim } from "../runner.js";
import { sockoptExample } from "./index.js";
import { sockopt_init } from "./kernel.js";
import { sockoptProgram } from "./user.js";

describe("sockopt example", () => {
  it("exchanges strings, and answers EINVAL, EFAULT, ENOPROTOOPT, EPERM and EBUSY where the kernel does", async () => {
    const r = await runExampleOnSim(sockoptExample, { seed: 1, mode: "correct" });
    expect(r.exitCode).toBe(0);
    expect(r.output).toEqual([
      "insmod: ERROR: could not insert module sockopt_clash.ko: Device or resource busy",
      "setsockopt: ret = 0. msg = a message from userspace",
      "getsockopt: optlen = 22. msg = a message from kernel",
      "getsockopt(optlen 8): EINVAL",
      "setsockopt(NULL, 16): EFAULT",
      "setsockopt(129): ENOPROTOOPT",
      "socket (uid 1000, no CAP_NET_RAW): EPERM",
    ]);
    expect(r.dmesg).toEqual([
      "[    0.000000] sockopt: init_sockopt()",
      // nf_register_sockopt's pr_debug, on because the run turns on dynamic debug for nf_sockopt.c
      "[    0.000000] nf_sock overlap: 128-129/128-129 v 0-0/127-129",
      "[    0.000000] sockopt_clash: nf_register_sockopt(get range 127..129) = -16",
      "[    0.000000] sockopt: recv_msg: umsg = a message from userspace",
      "[    0.000000] sockopt: send_msg: 22 bytes",
      // rmmod, a process of its own at 100 ms
      "[    0.100000] sockopt: fini_sockopt()",
    ]);
  });

  it("runs the unprivileged client in the same process, as uid 1000 without capabilities, root again after", async () => {
    const world = new World({ seed: 1 });
    world.insmod(() => sockopt_init("correct"));
    const log: string[] = [];
    const p = runProcess(
      world,
      { name: "sockopt_clt", pid: 1000 },
      Effect.gen(function* () {
        yield* sockoptProgram((l) => log.push(l));
        const inet = yield* InetRaw;
        yield* Effect.scoped(inet.socket(IPPROTO_RAW)); // root again: a raw socket opens
        log.push("root again");
      }),
    );
    await world.run();
    expect(p.exit()?._tag).toBe("Success");
    expect(log.slice(-2)).toEqual(["socket (uid 1000, no CAP_NET_RAW): EPERM", "root again"]);
    expect(log).toHaveLength(7); // the root client's five lines first
  });

  it("shows the article's handlers: *len never set, a short buffer overrun, a fault taken as success", async () => {
    const r = await runExampleOnSim(sockoptExample, { seed: 1, mode: "buggy" });
    expect(r.output.slice(2, 5)).toEqual([
      "getsockopt: optlen = 64. msg = a message from kernel",
      'getsockopt(optlen 8): optlen = 8. got "a messag"',
      "setsockopt(NULL, 16): ret = 0",
    ]);
    expect(r.dmesg).toContain("[    0.000000] recv_msg: umsg = a message from userspace. ret = 39");
    expect(r.dmesg).toContain("[    0.000000] send_msg: umsg = a message from kernel. ret = 14. success");
  });
});
