// Writes contracts/test/vectors/numerics-{int,f32,f64,convert}.json, the vectors the Solidity numeric core is
// tested against (see numeric-vectors.ts for what they hold and how they are made).
//
//   npm run build --silent && node dist/test/vectors/gen-numeric-vectors.js
//
// test/vectors/numeric-vectors.test.ts regenerates them and fails if the committed file
// differs, so the files always match the interpreter.

import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSpecDir } from '../spec/harness.js';
import { generateNumericVectors, GROUPS, serializeGroup, vectorsFile } from './numeric-vectors.js';

/** The repository root: the nearest directory above this file with a package.json. */
export function repositoryRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('gen-numeric-vectors: repository root not found');
    dir = parent;
  }
  return dir;
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const vectors = generateNumericVectors(defaultSpecDir());
  for (const group of GROUPS) {
    const text = serializeGroup(vectors, group);
    const path = join(repositoryRoot(), vectorsFile(group));
    writeFileSync(path, text);
    const ops = Object.values(vectors.groups[group]);
    const total = ops.reduce((sum, op) => sum + op.count, 0);
    process.stdout.write(`${path}: ${ops.length} ops, ${total} vectors, ${text.length} bytes\n`);
  }
}
