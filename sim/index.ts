// `nlsim/sim`: the world around the kernel model, for simulations beyond the testing kit: the
// World (seed, virtual clock, scheduler, insmod/rmmod, dmesg), fault plans, network traffic into
// the model, and traces (record, encode, decode, compare).
/**
 * The world around the kernel model: World, fault plans, traffic, traces.
 * @packageDocumentation
 * @module nlsim/sim
 */
export * from "./datagrams.js";
export * from "./faults.js";
export * from "./prng.js";
export * from "./trace.js";
export * from "./traffic.js";
export * from "./world.js";
