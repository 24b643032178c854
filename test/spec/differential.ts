// Two spec engines run in lockstep on the same script, failing a command wherever they
// disagree. The scripts accept a family of results in places (nan:arithmetic, any trap of
// a kind); engines of one machine must agree exactly there too: every result bit for bit,
// every trap the same (as far as the engines can tell their traps apart).

import { Trap } from '../../vm/exec/trap.js';
import { FUNCREF, WasmError, valTypeName, type Module } from '../../vm/syntax/types.js';
import type { ModuleInfo } from '../../vm/valid/validate.js';
import { LooseTrap, NULL_BITS, ScriptError, type SpecEngine, type SpecSession, type Value } from './harness.js';

/** Runs `a` and `b` side by side; scored on the assertions both are scored on. Errors are `a`'s. */
export function differentialEngine<A, B>(a: SpecEngine<A>, b: SpecEngine<B>): SpecEngine<[A, B]> {
  const both = a.assertions ?? b.assertions;
  const assertions = both && new Set([...both].filter((t) => (a.assertions ?? both).has(t) && (b.assertions ?? both).has(t)));
  return {
    name: `${a.name} = ${b.name}`,
    ...(assertions ? { assertions } : {}),
    newSession: () => new DifferentialSession(a.newSession(), b.newSession(), a.name, b.name),
  };
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: unknown };

function attempt<T>(f: () => T): Outcome<T> {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error };
  }
}

class DifferentialSession<A, B> implements SpecSession<[A, B]> {
  constructor(
    private readonly a: SpecSession<A>,
    private readonly b: SpecSession<B>,
    private readonly aName: string,
    private readonly bName: string,
  ) {}

  instantiate(bytes: Uint8Array, module: Module, info: ModuleInfo): [A, B] {
    const x = attempt(() => this.a.instantiate(bytes, module, info));
    const y = attempt(() => this.b.instantiate(bytes, module, info));
    return this.agree(x, y, () => null);
  }

  register(name: string, instance: [A, B]): void {
    this.a.register(name, instance[0]);
    this.b.register(name, instance[1]);
  }

  invoke(instance: [A, B], field: string, args: Value[]): Value[] {
    const x = attempt(() => this.a.invoke(instance[0], field, args));
    const y = attempt(() => this.b.invoke(instance[1], field, args));
    return this.agree(x, y, (p, q) => sameValues(p, q))[0];
  }

  getGlobal(instance: [A, B], field: string): Value {
    const x = attempt(() => this.a.getGlobal(instance[0], field));
    const y = attempt(() => this.b.getGlobal(instance[1], field));
    return this.agree(x, y, (p, q) => sameValues([p], [q]))[0];
  }

  /** Both values when the engines agree; `differs` says how two values differ, or null. */
  private agree<T, U>(x: Outcome<T>, y: Outcome<U>, differs: (p: T, q: U) => string | null): [T, U] {
    if (x.ok && y.ok) {
      const d = differs(x.value, y.value);
      if (d !== null) throw new ScriptError(`engines disagree: ${d}`);
      return [x.value, y.value];
    }
    if (!x.ok && !y.ok) {
      const d = differentErrors(x.error, y.error);
      if (d !== null) throw new ScriptError(`engines disagree: ${this.aName} ${d[0]}, ${this.bName} ${d[1]}`);
      throw x.error;
    }
    const [p, q] = x.ok ? ['returned', describe(y.ok ? null : y.error)] : [describe(x.error), 'returned'];
    throw new ScriptError(`engines disagree: ${this.aName} ${p}, ${this.bName} ${q}`);
  }
}

function sameValues(p: readonly Value[], q: readonly Value[]): string | null {
  const show = (vs: readonly Value[]): string => vs.map((v) => `${valTypeName(v.type)}:0x${v.bits.toString(16)}`).join(' ');
  const same = p.length === q.length && p.every((v, k) => {
    const w = q[k];
    if (v.type !== w.type) return false;
    // Function references are each engine's own handles: only null-ness is comparable.
    if (v.type === FUNCREF) return (v.bits === NULL_BITS) === (w.bits === NULL_BITS);
    return v.bits === w.bits;
  });
  return same ? null : `(${show(p)}) vs (${show(q)})`;
}

/** Null when the two errors are the same; a LooseTrap agrees with a Trap among its candidates. */
function differentErrors(e: unknown, f: unknown): [string, string] | null {
  const traps = (t: unknown): string[] | null =>
    t instanceof LooseTrap ? [...t.candidates] : t instanceof Trap ? [t.message] : null;
  const s = traps(e);
  const t = traps(f);
  if (s !== null && t !== null) return s.some((m) => t.includes(m)) ? null : [describe(e), describe(f)];
  if (e instanceof WasmError && f instanceof WasmError) return e.kind === f.kind ? null : [describe(e), describe(f)];
  return [describe(e), describe(f)];
}

function describe(e: unknown): string {
  if (e instanceof Trap) return `trap "${e.message}"`;
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
