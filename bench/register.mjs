// `node --import ./bench/register.mjs bench/main.ts`: installs the bench's loader (loader.mjs).
import { register } from "node:module";

register("./loader.mjs", import.meta.url);
