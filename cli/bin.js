#!/usr/bin/env node
// The `iota` command. The CLI is TypeScript: in a checkout Node 24 runs main.ts as it is (type
// stripping, like the rest of the repository); a packed copy carries the bundle `npm pack` made,
// because Node does not strip types from files under node_modules.
import { existsSync } from "node:fs";

const [major, minor] = process.versions.node.split(".").map(Number);
const source = new URL("./main.ts", import.meta.url);
if (existsSync(source)) {
  // Type stripping is on by default from Node 22.18 and 23.6; say so rather than fail on syntax.
  if (major < 22 || (major === 22 && minor < 18) || (major === 23 && minor < 6)) {
    process.stderr.write(`iota: needs Node 24 to run from source (this is Node ${process.versions.node}); try npx iota\n`);
    process.exit(2);
  }
  await import(source.href);
} else {
  await import(new URL("./dist/iota.js", import.meta.url).href);
}
