import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { icmpLoggerExample } from "../../examples/icmp-logger/index.js";
import { nlDemoExample } from "../../examples/nl-demo/index.js";
import { procfsExample } from "../../examples/procfs/index.js";
import { runExampleOnSim } from "../../examples/runner.js";
import { selectThroughputExample } from "../../examples/select-throughput/index.js";
import { sockoptExample } from "../../examples/sockopt/index.js";
import type { Example } from "../../examples/types.js";
import { Narrator } from "../../sim/walk/narrate.js";

const bin = fileURLToPath(new URL("../../bin/nlsim.js", import.meta.url));
const nlsim = (args: string[]) =>
  spawnSync(process.execPath, [bin, ...args], {
    encoding: "utf8",
    timeout: 60_000,
    input: "",
    env: { ...process.env, NO_COLOR: "" },
  });

/** The walkthrough as text, in-process. */
const walk = async (mode: string, seed: number, color = false, example: Example = nlDemoExample): Promise<string> => {
  const lines: string[] = [];
  const n = new Narrator(example, { line: (s) => lines.push(s), step: () => {} }, color);
  let world: Parameters<Narrator["onSend"]>[0] | undefined;
  const r = await runExampleOnSim(example, {
    seed,
    mode,
    onWorld: (w) => {
      world = w;
    },
    onEvent: (e, w) => n.onEvent(e, w),
    hooks: { out: (l) => n.onOut(l), onSend: (who, d, to) => n.onSend(world!, who, d, to) },
  });
  n.finish(r.world, r.run);
  return lines.join("\n");
};

describe("the nl-demo walkthrough", () => {
  it("narrates who runs, the syscalls with results, decoded messages, queue depth and history notes", async () => {
    const text = await walk("unicast", 1);
    expect(text).toContain("nl_demo_daemon[1001]");
    expect(text).toContain("bind(fd 3, {nl_pid 0 (autobind), nl_groups 0x0}) = 0");
    expect(text).toContain("nlmsg_type   16 (NLDEMO_U_PID)");
    expect(text).toContain("= NLDEMO_K_EVT: struct nldemo_usr_msg { seq 1, jiffies 100 }");
    expect(text).toContain("softirq on swapper/0");
    expect(text).toContain("softirq TIMER: nl_demo_tick()");
    expect(text).toContain("⇒ port 1001: receive queue 1 skb, rmem 832/212992 B");
    expect(text).toContain("printk <6> nl_demo: K_EVT #1 netlink_unicast(port 1001) = 24");
    expect(text).toContain("» API history: since 2.6.24 the input runs synchronously");
    expect(text).toContain("│ daemon: event #1 (jiffies 100) via unicast from port 0");
    expect(text).not.toContain("\x1b[");
  });

  it("shows the article's 2.6.32 module in process context, with no BUG for its mutex, and the exclusion bug in buggy mode", async () => {
    const text = await walk("buggy", 1);
    expect(text).toContain("probe[1001]                      printk <6> nl_demo(2.6): accepted a 16-byte message");
    expect(text).not.toContain("sleeping function called from invalid context");
    expect(text).toContain("The article's bug: netlink_broadcast(nlfd, skb, pid, gid, ...)");
  });

  it("is the same text, byte for byte, for the same seed; colours only when asked", async () => {
    expect(await walk("multicast", 3)).toBe(await walk("multicast", 3));
    expect(await walk("unicast", 1, true)).toContain("\x1b[");
  });
});

describe("the other examples' walks name what happens", () => {
  it("sockopt: an AF_INET raw socket, and ip_setsockopt's fall-through to nf_setsockopt", async () => {
    const text = await walk("correct", 1, false, sockoptExample);
    expect(text).toContain("socket(AF_INET, SOCK_RAW, IPPROTO_RAW) = 3");
    expect(text).not.toContain("AF_NETLINK");
    expect(text).toContain("setsockopt(fd 3, SOL_IP, 128, 0x");
    expect(text).toContain(
      "⤷ ip_setsockopt: 128 is no IP_* option, so it falls through to nf_setsockopt(sk, PF_INET, 128, …)",
    );
    expect(text).toContain(
      "⤷ ip_getsockopt: 128 is no IP_* option, so it falls through to nf_getsockopt(sk, PF_INET, 128, …)",
    );
  });

  it("procfs: open's path, read/write with count and *ppos, and a read that never moves *ppos", async () => {
    const buggy = await walk("buggy", 1, false, procfsExample);
    expect(buggy).toContain('open("/proc/procfs_example", O_RDONLY) = 3');
    expect(buggy).toContain("read(fd 3, count 4096, *ppos 0) = 22");
    expect(buggy).toContain("⤷ *ppos did not move: the next read starts at the same place");
    const correct = await walk("correct", 1, false, procfsExample);
    expect(correct).toMatch(/read\(fd 3, count \d+, \*ppos 0 → \d+\) = \d+/);
    expect(correct).not.toContain("*ppos did not move");
  });

  it("icmp-logger: a packet goes NIC → NET_RX → ip_rcv → get_icmp → netlink_unicast to the logger's port", async () => {
    const text = await walk("default", 1, false, icmpLoggerExample);
    expect(text).toContain("a 84-byte ICMP packet 10.0.0.2 → 10.0.0.1 arrives (echo id 4096, seq 1)");
    expect(text).toContain(
      "softirq NET_RX: __netif_receive_skb(skb) from eth0, 84 bytes → ip_rcv → NF_HOOK(NF_INET_PRE_ROUTING): get_icmp, atomic context",
    );
    expect(text).toContain("netlink_unicast → port 1001: 24 bytes (IMP2_K_MSG) queued by __netlink_sendskb");
    expect(text).not.toContain("from port  (protocol )");
  });

  it("select-throughput small-rcvbuf: the overrun is narrated with its drops and ENOBUFS", async () => {
    const text = await walk("small-rcvbuf", 1, false, selectThroughputExample);
    expect(text).toMatch(/✗ overrun at port \d+: 1 skb dropped \(queue full: rmem 2304\/2304 B, congested\)/);
    expect(text).toContain("» Overrun: the receiver's queue was full.");
  }, 60_000);
});

describe("nlsim run / walk", () => {
  it("walk nl-demo piped: plain text with the key lines, exit 0", () => {
    const r = nlsim(["walk", "nl-demo", "--seed", "1"]);
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain("\x1b[");
    expect(r.stdout).toContain("nlsim walk nl-demo --mode unicast --seed 1");
    expect(r.stdout).toContain("sendto(fd 3, 20 bytes, flags 0x0) = 20");
    expect(r.stdout).toContain("recvmsg(fd 3, buf 8192, flags 0x0) = 24 (msg_name: port 0)");
    expect(r.stdout).toContain("nl_demo: netlink_kernel_release done, unloaded");
  }, 60_000);

  it("walk prints the model line only for an example with a kernel netlink socket, naming its input mode", () => {
    const exam = nlsim(["walk", "netlink-exam", "--seed", "1"]);
    expect(exam.status).toBe(0);
    expect(exam.stdout).toContain(
      "model: 2.6.13–2.6.23 kernel: the send queues the skb and sk_data_ready runs the input",
    );
    expect(exam.stdout).toContain(
      "sk_data_ready: netlink_data_ready → netlink_exam_input(sk, 210), process context; drains 1 skb (from port 2001)",
    );
    const sockopt = nlsim(["walk", "sockopt", "--seed", "1"]);
    expect(sockopt.status).toBe(0);
    expect(sockopt.stdout).not.toMatch(/^model:/m);
  }, 60_000);

  it("run nl-demo prints the daemon's lines and dmesg", () => {
    const r = nlsim(["run", "nl-demo", "--mode", "dies", "--seed", "2"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("daemon: exiting after 2 events without NLDEMO_CLOSE");
    expect(r.stdout).toContain("NETLINK_URELEASE: port");
  }, 60_000);

  it("exits 2 with a clear message for an unknown example", () => {
    const bad = nlsim(["walk", "no-such-example"]);
    expect(bad.status).toBe(2);
    expect(bad.stderr + bad.stdout).toMatch(/unknown example 'no-such-example' \(known: nl-demo[,)]/);
  }, 60_000);

  it("exits 2 for a mode the example does not have", () => {
    const mode = nlsim(["run", "nl-demo", "--mode", "sideways"]);
    expect(mode.status).toBe(2);
    expect(mode.stderr + mode.stdout).toContain("nl-demo has no mode 'sideways'");
  }, 60_000);

  it("exits 2 for --step when stdin is not a terminal", () => {
    const step = nlsim(["walk", "nl-demo", "--step"]);
    expect(step.status).toBe(2);
    expect(step.stderr + step.stdout).toContain("stdin is not a terminal");
  }, 60_000);
});

describe("nlsim walk FILE.json", () => {
  it("narrates a scenario file, its comments as captions, and refuses a bad one with exit 2", () => {
    const dir = mkdtempSync(join(tmpdir(), "nlsim-walkfile-"));
    try {
      const file = join(dir, "ack.json");
      writeFileSync(
        file,
        JSON.stringify({
          name: "my ack test",
          description: "an unknown rtnetlink type gets EOPNOTSUPP",
          protocol: 0,
          steps: [
            { do: "socket", as: "a" },
            {
              do: "sendto",
              sock: "a",
              comment: "ask for an ACK of a type nobody handles",
              to: { pid: 0, groups: 0 },
              msg: { type: 0x7f, flags: 5, seq: 1, pid: 0 },
              flags: ["MSG_DONTWAIT"],
            },
            { do: "recv", sock: "a", size: 4096, flags: ["MSG_DONTWAIT"] },
          ],
        }),
      );
      const r = nlsim(["walk", file]);
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`nlsim walk ${file} --mode default --seed 1: an unknown rtnetlink type`);
      expect(r.stdout).toContain("│ step 1: ask for an ACK of a type nobody handles");
      expect(r.stdout).toMatch(/my_ack_test\[\d+\] +sendto 16 bytes to the kernel \(port 0\)/);
      expect(r.stdout).toMatch(/error +-95 \(EOPNOTSUPP/);
      const bad = join(dir, "bad.json");
      writeFileSync(bad, JSON.stringify({ name: "x", protocol: 0, steps: [{ do: "recv", sock: "nope" }] }));
      const b = nlsim(["walk", bad]);
      expect(b.status).toBe(2);
      expect(b.stderr).toContain("socket 'nope' is not created by an earlier step");
      const missing = nlsim(["walk", join(dir, "none.json")]);
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/cannot read the scenario .*none\.json: ENOENT/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
