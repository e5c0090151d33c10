// select-throughput as an example for `nlsim run`: its modes (points on the throughput curve).
import { Effect } from "effect";
import type { Example } from "../types.js";
import { MAX_DATA_LEN, NETLINK_TEST, NLT_DATA, NLT_HELLO } from "./proto.js";
import { type SelectThroughputDetails, type SelectThroughputOptions, setupSelectThroughput } from "./run.js";
import { usr } from "./user.js";

export const SELECT_THROUGHPUT_MODES = [
  { name: "default", description: "100 sockets, 100 threads, 768-byte messages, 50 ms sleeps, 5 s: no loss" },
  {
    name: "article",
    description: "as default, with the article's effective targets: thread i always sends to socket i",
  },
  {
    name: "article10",
    description: "the article's second run: 10 sockets, 10 threads (it measured 218 msg/s; the sleeps set the rate)",
  },
  { name: "small-rcvbuf", description: "SO_RCVBUF 1 (the 2304-byte minimum) and 400 µs per message: drops, ENOBUFS" },
  { name: "slow-reader", description: "600 µs per message (below the 2000 msg/s offered), SO_RCVBUF 8192: the cliff" },
  { name: "n1", description: "one socket, one thread: the degenerate case" },
] as const;

export const SELECT_THROUGHPUT_OPTIONS: Readonly<Record<string, SelectThroughputOptions>> = {
  default: { durationMs: 5000 },
  article: { durationMs: 5000, target: "own" },
  // long enough for the article's statistics line (every 500 KB: 667 messages at ~200/s)
  article10: { durationMs: 10_000, n: 10, target: "own" },
  "small-rcvbuf": { durationMs: 5000, rcvbuf: 1, workUs: 400 },
  "slow-reader": { durationMs: 5000, rcvbuf: 8192, workUs: 600 },
  n1: { durationMs: 5000, n: 1 },
};

/** What `--set` may change: each overrides the mode's value. */
const PARAMS = [
  { name: "n", description: "sockets and kernel threads", min: 1, max: 1000 },
  { name: "size", description: "payload bytes per message", min: 1, max: 32000 },
  { name: "sleepMs", description: "each thread's sleep between sends (ms)", min: 0, max: 60_000 },
  {
    name: "rcvbuf",
    description: "SO_RCVBUF of every user socket (bytes, before the kernel's doubling)",
    min: 1,
    max: 4_194_304,
  },
  {
    name: "durationMs",
    description: "how long the program reads (virtual ms); the threads send until rmmod, 300 ms after it leaves",
    min: 1,
    max: 600_000,
  },
  { name: "workUs", description: "the reader's cost per message (µs)", min: 0, max: 1_000_000 },
] as const;

const withParams = (mode: string, params: Readonly<Record<string, number>> | undefined): SelectThroughputOptions => ({
  ...(SELECT_THROUGHPUT_OPTIONS[mode] ?? {}),
  ...(params ?? {}),
});

export const selectThroughputExample: Example<SelectThroughputOptions, SelectThroughputDetails> = {
  name: "select-throughput",
  description: "the 100-socket select() model: kernel threads unicast 768-byte messages, one process polls them all",
  modes: SELECT_THROUGHPUT_MODES as unknown as Example["modes"],
  protocol: NETLINK_TEST,
  netlinkInput: () => "process",
  params: PARAMS,
  options: withParams,
  setup: setupSelectThroughput,
  typeNames: { [NLT_HELLO]: "NLT_HELLO", [NLT_DATA]: "NLT_DATA" },
  userProgram: (mode, params) => {
    const o = withParams(mode, params);
    return usr({
      sockets: o.n ?? 100,
      durationMs: o.durationMs ?? 5000,
      bufSize: (o.size ?? MAX_DATA_LEN) + 256,
      ...(o.rcvbuf === undefined ? {} : { rcvbuf: o.rcvbuf }),
      ...(o.workUs === undefined ? {} : { workUs: o.workUs }),
      out: (l) => console.log(l),
    }).pipe(Effect.asVoid);
  },
};
