// A WebAssembly trap: the machine stops with status `trapped` and this message.
// Messages are the spec's own wording (the spec tests compare them by prefix).

export const TrapMessage = {
  unreachable: 'unreachable',
  divideByZero: 'integer divide by zero',
  integerOverflow: 'integer overflow',
  invalidConversion: 'invalid conversion to integer',
  memoryOutOfBounds: 'out of bounds memory access',
  tableOutOfBounds: 'out of bounds table access',
  undefinedElement: 'undefined element',
  uninitializedElement: 'uninitialized element',
  indirectCallTypeMismatch: 'indirect call type mismatch',
  callStackExhausted: 'call stack exhausted',
  outputLimit: 'output limit exceeded',
  logLimit: 'log limit exceeded',
} as const;

export class Trap extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Trap';
  }
}
