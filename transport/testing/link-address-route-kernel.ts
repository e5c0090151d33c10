// linkAddressRoute on the real kernel: run as root inside a fresh network namespace, e.g.
//   sudo unshare -n npx tsx transport/testing/link-address-route-kernel.ts
// It prints what the listener heard as JSON (one line), the same list the simulator's test expects.
import { runPromiseKernel } from "../promise-kernel.js";
import { linkAddressRoute } from "./link-address-route.js";

const heard = await runPromiseKernel(linkAddressRoute);
console.log(JSON.stringify(heard));
