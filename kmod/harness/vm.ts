// The machinery of the QEMU harness (see shared/design/real-kernel-vm.md): the packages it needs,
// the kernel to build against and boot, the modules' build, the uncompressed kernel image, a tiny
// initramfs (busybox-static and the virtio/9p modules), and the boot itself. Host-only.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const say = (s: string): void => void process.stderr.write(`test:kernel: ${s}\n`);

const has = (cmd: string): boolean => spawnSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }).status === 0;

/** A statically linked busybox (busybox-static): the initramfs has no libc. */
const staticBusybox = (): string | undefined => {
  for (const p of ["/bin/busybox", "/usr/bin/busybox"]) {
    if (!existsSync(p)) continue;
    const r = spawnSync("ldd", [p], { encoding: "utf8" });
    if (`${r.stdout}${r.stderr}`.includes("not a dynamic executable")) return p;
  }
  return undefined;
};

/** The newest kernel with both headers (build/) and an image in /boot, or undefined. */
export const findKernel = (): string | undefined => {
  if (!existsSync("/lib/modules")) return undefined;
  const vers = readdirSync("/lib/modules")
    .filter((v) => existsSync(`/lib/modules/${v}/build/Makefile`) && existsSync(`/boot/vmlinuz-${v}`))
    .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  return vers.at(-1);
};

/**
 * What the harness needs, installed with apt-get when missing (as root; --no-install-recommends,
 * and INITRD=No: Debian's own initrd is of no use here and costs a minute to make).
 * Returns the seconds spent installing (0 when all was there).
 */
export const ensureTools = (): number => {
  const missing: string[] = [];
  if (!has("qemu-system-x86_64")) missing.push("qemu-system-x86");
  if (findKernel() === undefined) missing.push("linux-image-amd64", "linux-headers-amd64");
  if (staticBusybox() === undefined) missing.push("busybox-static");
  if (!has("xz")) missing.push("xz-utils");
  if (!has("make") || !has("gcc")) missing.push("make", "gcc");
  if (missing.length === 0) return 0;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing packages (${missing.join(", ")}) and not root: apt-get install them first`);
  }
  const t0 = Date.now();
  say(`apt-get install --no-install-recommends ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive", INITRD: "No" };
  const run = (args: string[]) => {
    const r = spawnSync("apt-get", args, { env, stdio: ["ignore", "ignore", "inherit"] });
    if (r.status !== 0) throw new Error(`apt-get ${args.join(" ")} failed (exit ${r.status})`);
  };
  run(["update", "-qq"]);
  run(["install", "-y", "-qq", "--no-install-recommends", ...missing]);
  if (findKernel() === undefined) throw new Error("installed linux-image/linux-headers, but found no kernel with both");
  return (Date.now() - t0) / 1000;
};

/** `make` in kmod/<dir> against the kernel's headers. Throws with the compiler's output on failure. */
export const buildModule = (dir: string, kver: string): void => {
  const r = spawnSync("make", ["-C", dir, `KDIR=/lib/modules/${kver}/build`], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`make in ${dir} failed:\n${r.stdout}${r.stderr}`);
};

/** A cache folder for what depends only on the kernel version (the vmlinux, the initramfs). */
export const cacheDir = (kver: string): string => {
  const d = join(tmpdir(), "nlsim-kmod", kver);
  mkdirSync(d, { recursive: true });
  return d;
};

/** Writes a file under a temporary name and renames it, so a concurrent reader never sees it half-written. */
const writeAtomically = (path: string, data: Uint8Array): void => {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
};

/** The uncompressed kernel (boots in ~3 s under TCG, against ~7 s for the bzImage): the XZ payload of vmlinuz. */
export const extractVmlinux = (kver: string): string => {
  const out = join(cacheDir(kver), "vmlinux");
  if (existsSync(out) && statSync(out).size > 0) return out;
  const z = readFileSync(`/boot/vmlinuz-${kver}`);
  const at = z.indexOf(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]));
  if (at < 0) throw new Error(`/boot/vmlinuz-${kver}: no XZ payload found`);
  // xz reads the payload from a file: given it on stdin, xz stops after the first stream and
  // exits while the rest (the kernel image's trailer) is still being written, and the write
  // fails with EPIPE (seen under load)
  const payload = `${out}.${process.pid}.xz`;
  writeFileSync(payload, z.subarray(at));
  try {
    const img = execFileSync("xz", ["-dc", "--single-stream", payload], { maxBuffer: 1 << 30 });
    writeAtomically(out, img);
  } finally {
    rmSync(payload, { force: true });
  }
  return out;
};

// ---- initramfs: a newc cpio written by hand (no cpio tool needed) ----------------------------

interface CpioEntry {
  readonly name: string;
  readonly mode: number;
  readonly data?: Buffer;
  readonly rdev?: [number, number];
}

const cpio = (entries: ReadonlyArray<CpioEntry>): Buffer => {
  const parts: Buffer[] = [];
  let size = 0;
  const push = (b: Buffer) => {
    parts.push(b);
    size += b.length;
  };
  const pad = () => {
    if (size % 4 !== 0) push(Buffer.alloc(4 - (size % 4)));
  };
  const hex = (n: number) => n.toString(16).padStart(8, "0");
  let ino = 1;
  for (const e of [...entries, { name: "TRAILER!!!", mode: 0 }]) {
    const data = e.data ?? Buffer.alloc(0);
    const name = Buffer.from(`${e.name}\0`);
    const [maj, min] = (e as CpioEntry).rdev ?? [0, 0];
    const fields = [ino++, e.mode, 0, 0, 1, 0, data.length, 0, 0, maj, min, name.length, 0];
    push(Buffer.from(`070701${fields.map(hex).join("")}`));
    push(name);
    pad();
    push(data);
    pad();
  }
  return Buffer.concat(parts);
};

/** Modules needed to mount the host's root over virtio-9p, in load order (from modules.dep). */
const ninepModules = (kver: string): string[] => {
  const base = `/lib/modules/${kver}`;
  const deps = new Map<string, string[]>();
  for (const line of readFileSync(`${base}/modules.dep`, "utf8").split("\n")) {
    const [mod, rest] = line.split(":");
    if (mod === undefined || rest === undefined) continue;
    deps.set(mod.trim(), rest.trim() === "" ? [] : rest.trim().split(/\s+/));
  }
  const byName = new Map<string, string>();
  for (const k of deps.keys()) byName.set(k.replace(/^.*\//, "").replace(/\.ko(\..*)?$/, ""), k);
  const order: string[] = [];
  const visit = (k: string) => {
    if (order.includes(k)) return;
    for (const d of deps.get(k) ?? []) visit(d);
    order.push(k);
  };
  // modules.builtin lists the built-in ones: those need no insmod
  for (const want of ["virtio_pci", "9pnet_virtio", "9p"]) {
    const k = byName.get(want);
    if (k !== undefined) visit(k);
  }
  for (const k of order) {
    if (!k.endsWith(".ko")) throw new Error(`${k}: compressed module; the initramfs's busybox insmod needs plain .ko`);
  }
  return order.map((k) => `${base}/${k}`);
};

const INIT = (mods: ReadonlyArray<string>, node: string, guest: string) => `#!/bin/busybox sh
/bin/busybox mkdir -p /proc /sys /dev /root /bin
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ${mods.map((m) => `/lib/modules/${m.replace(/^.*\//, "")}`).join(" ")}; do insmod $m || echo "nlsim-init: insmod $m failed"; done
O=trans=virtio,version=9p2000.L,msize=512000
if ! mount -t 9p -o $O,ro,cache=loose hostroot /root; then echo "nlsim-init: FAILED to mount the host root"; poweroff -f; fi
mount -t proc proc /root/proc
mount -t sysfs sys /root/sys
mount -t devtmpfs dev /root/dev
mount -t tmpfs tmpfs /root/run
mount -t tmpfs tmpfs /root/var/tmp
mkdir -p /root/run/nlsim
if ! mount -t 9p -o $O results /root/run/nlsim; then echo "nlsim-init: FAILED to mount the results share"; poweroff -f; fi
echo "nlsim-init: up, running the plan"
chroot /root /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/tmp TMPDIR=/var/tmp CI=true NO_COLOR=1 ${node} ${guest} /run/nlsim/plan.json
echo "nlsim-init: the plan runner exited $?"
poweroff -f
`;

/**
 * The initramfs: busybox-static, the 9p modules, an init that chroots into the host root and runs
 * guest.mjs. The host's /tmp stays visible in the guest (read-only, like the rest of the host
 * root) because the repository may live there, as a CI clone does; scratch space is /var/tmp.
 */
export const buildInitramfs = (kver: string, guestScript: string): string => {
  const bb = staticBusybox();
  if (bb === undefined) throw new Error("no static busybox (apt-get install busybox-static)");
  const mods = ninepModules(kver);
  // one image per guest script (its path is baked into the init): harness runs from two checkouts
  // at once must not boot each other's guest.mjs
  const tag = createHash("sha256").update(guestScript).digest("hex").slice(0, 12);
  const out = join(cacheDir(kver), `initramfs-${tag}.cpio`);
  const entries: CpioEntry[] = [
    { name: "bin", mode: 0o40755 },
    { name: "dev", mode: 0o40755 },
    { name: "dev/console", mode: 0o20600, rdev: [5, 1] },
    { name: "lib", mode: 0o40755 },
    { name: "lib/modules", mode: 0o40755 },
    { name: "bin/busybox", mode: 0o100755, data: readFileSync(bb) },
    { name: "init", mode: 0o100755, data: Buffer.from(INIT(mods, process.execPath, guestScript)) },
    ...mods.map((m) => ({ name: `lib/modules/${m.replace(/^.*\//, "")}`, mode: 0o100644, data: readFileSync(m) })),
  ];
  writeAtomically(out, cpio(entries));
  return out;
};

export interface BootResult {
  /** QEMU's exit status (124: killed by the timeout), which proves nothing by itself */
  readonly status: number | null;
  readonly timedOut: boolean;
  readonly seconds: number;
}

/** Boots the kernel under TCG with the host root (read-only) and `resultsDir` (writable) shared over 9p. */
export const boot = (opts: {
  readonly vmlinux: string;
  readonly initramfs: string;
  readonly resultsDir: string;
  readonly serialLog: string;
  readonly timeoutSec: number;
}): Promise<BootResult> =>
  new Promise((done) => {
    const t0 = Date.now();
    const args = [
      "-k",
      "5",
      String(opts.timeoutSec),
      "qemu-system-x86_64",
      "-accel",
      "tcg",
      "-cpu",
      "max",
      "-m",
      "1G",
      "-smp",
      "1",
      "-nographic",
      "-no-reboot",
      "-kernel",
      opts.vmlinux,
      "-initrd",
      opts.initramfs,
      "-append",
      "console=ttyS0 panic=-1 oops=panic",
      "-virtfs",
      "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap",
      "-virtfs",
      `local,path=${opts.resultsDir},mount_tag=results,security_model=none,multidevs=remap`,
      "-nic",
      "none",
    ];
    const fd = openSync(opts.serialLog, "w");
    const p = spawn("timeout", args, { stdio: ["ignore", fd, fd] });
    p.on("close", (code) => {
      closeSync(fd);
      done({ status: code, timedOut: code === 124 || code === 137, seconds: (Date.now() - t0) / 1000 });
    });
  });
