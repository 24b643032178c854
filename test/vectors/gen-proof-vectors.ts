// Writes contracts/test/vectors/proofs-<group>.json, the one-step proof vectors the
// Solidity verifier is tested against (see proof-vectors.ts):
//
//   npm run build --silent && node dist/test/vectors/gen-proof-vectors.js
//
// test/vectors/proof-vectors.test.ts regenerates them and fails if a committed file differs.

import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repositoryRoot } from './gen-numeric-vectors.js';
import {
  generateProofVectors, generateSpecFloatVectors, PROOF_GROUPS, proofVectorsFile, serializeProofVectors, SPEC_FLOATS,
} from './proof-vectors.js';

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const vectors = generateProofVectors();
  for (const group of PROOF_GROUPS) {
    const text = serializeProofVectors(vectors[group]);
    const path = join(repositoryRoot(), proofVectorsFile(group));
    writeFileSync(path, text);
    process.stdout.write(`${path}: ${vectors[group].length} vectors, ${text.length} bytes\n`);
  }
  const floats = generateSpecFloatVectors();
  const text = serializeProofVectors(floats);
  const path = join(repositoryRoot(), proofVectorsFile(SPEC_FLOATS));
  writeFileSync(path, text);
  process.stdout.write(`${path}: ${floats.length} vectors, ${text.length} bytes\n`);
}
