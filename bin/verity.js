#!/usr/bin/env node
// Entry point of the `verity` command: runs the compiled CLI in dist/ (built by
// `npm install` through the `prepare` script, or by `npm run build`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/cli/verity.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('verity: not built yet (dist/cli/verity.js is missing): run `npm run build`\n');
  process.exit(2);
}
const { main } = await import(entry.href);
// Exit as soon as the command is done, even if a library left a handle open.
process.exit(await main(process.argv));
