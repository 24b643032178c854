// Hand-built job modules for the proof tests: test/native/build.ts's jobModule plus any
// WASI imports (function indices: imports first, in the order given) and globals.

import { encodeModule } from '../../vm/binary/encode.js';
import { WASI_FUNCTIONS } from '../../vm/host/wasi.js';
import { Op } from '../../vm/syntax/opcodes.js';
import type { FuncType, ValType } from '../../vm/syntax/types.js';
import { I32, I64 } from '../../vm/syntax/types.js';
import { jobModule, type JobSpec } from '../native/build.js';

export interface ProofJobSpec extends Omit<JobSpec, 'wasi'> {
  wasi?: string[];
  globals?: Array<{ type: ValType; mutable: boolean; value: number }>;
}

export function proofJobBytes(spec: ProofJobSpec): Uint8Array {
  const wasi = spec.wasi ?? [];
  const m = jobModule({ ...spec, wasi: [] });
  const typeOf = (t: FuncType): number => {
    const same = (a: ValType[], b: ValType[]): boolean => a.length === b.length && a.every((x, k) => x === b[k]);
    const k = m.types.findIndex((u) => same(u.params, t.params) && same(u.results, t.results));
    if (k >= 0) return k;
    m.types.push(t);
    return m.types.length - 1;
  };
  m.imports = wasi.map((name) => {
    const f = WASI_FUNCTIONS.find((x) => x.name === name);
    if (!f) throw new Error(`no WASI function ${name}`);
    return { module: 'wasi_snapshot_preview1', name, desc: { kind: 'func' as const, typeIdx: typeOf({ params: f.params, results: f.results }) } };
  });
  for (const e of m.exports) if (e.kind === 'func') e.index += wasi.length;
  if (m.start !== null) m.start += wasi.length;
  m.globals = (spec.globals ?? []).map((g) => ({
    type: { valType: g.type, mutable: g.mutable },
    init: [g.type === I64
      ? { op: Op.i64_const, offset: 0, c: BigInt(g.value) }
      : { op: g.type === I32 ? Op.i32_const : Op.f32_const, offset: 0, a: g.value }],
  }));
  return encodeModule(m);
}
