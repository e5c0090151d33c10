// The testing kit for users' own vitest suites: a fake kernel module in a few lines, a world per
// test with its seed printed on failure, and assertions on the trace and /proc/net/netlink.
// (The vitest fixture `worldTest` is in ./vitest.js.)
/**
 * The testing kit: `nltest`, `fakeModule`, `withWorld`, `runWorld`, trace and /proc/net/netlink assertions.
 * @packageDocumentation
 * @module nlsim/testing
 */
export * from "./fake-module.js";
export * from "./nltest.js";
export * from "./pcap.js";
export * from "./trace.js";
export * from "./world.js";
