import { describe, expect, it } from "vitest";
import { World } from "../../sim/world.js";
import { run } from "./run.js";

describe("sockopt example", () => {
  it("exchanges strings, and answers EINVAL, EFAULT, ENOPROTOOPT, EPERM and EBUSY where the kernel does", async () => {
    const r = await run(new World({ seed: 1 }), { mode: "correct" });
    expect(r.exitCode).toBe(0);
    expect(r.output).toEqual([
      "insmod sockopt: 0",
      "insmod clash (get range 127..129): nf_register_sockopt = -16",
      "setsockopt: ret = 0. msg = a message from userspace",
      "getsockopt: optlen = 22. msg = a message from kernel",
      "getsockopt(optlen 8): EINVAL",
      "setsockopt(NULL, 16): EFAULT",
      "setsockopt(129): ENOPROTOOPT",
      "socket (uid 1000, no CAP_NET_RAW): EPERM",
    ]);
    expect(r.dmesg).toContain("[    0.000000] sockopt: recv_msg: umsg = a message from userspace");
  });

  it("shows the article's handlers: *len never set, a short buffer overrun, a fault taken as success", async () => {
    const r = await run(new World({ seed: 1 }), { mode: "buggy" });
    expect(r.output.slice(3, 6)).toEqual([
      "getsockopt: optlen = 64. msg = a message from kernel",
      'getsockopt(optlen 8): optlen = 8. got "a messag"',
      "setsockopt(NULL, 16): ret = 0",
    ]);
    expect(r.dmesg).toContain("[    0.000000] recv_msg: umsg = a message from userspace. ret = 39");
    expect(r.dmesg).toContain("[    0.000000] send_msg: umsg = a message from kernel. ret = 14. success");
  });
});
