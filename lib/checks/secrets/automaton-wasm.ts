/**
 * The automaton's inner loop as a 200-byte WebAssembly module, assembled here rather than shipped
 * as a blob. One table lookup per byte runs several times faster in WebAssembly than a regular
 * expression alternation of the same keywords, and keeps the secret scan off the critical path.
 *
 * (func (export "scan") (param $text $len $table $accepting $out i32) (result i32)
 *   (local $i $state $n i32)
 *   block loop
 *     br_if 1 (i >= len)
 *     state = load16_u(table + (((state << 8) | load8_u(text + i)) << 1))
 *     if load8_u(accepting + state):  out[n] = {i, state}; n += 1
 *     i += 1; br 0
 *   end end
 *   n)
 */
const I32 = 0x7f;
const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  i32Load8U: 0x2d,
  i32Load16U: 0x2f,
  i32Store: 0x36,
  i32Const: 0x41,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Or: 0x72,
  i32Shl: 0x74,
  void: 0x40,
} as const;

// Parameters 0..4, then locals.
const [TEXT, LEN, TABLE, ACCEPTING, OUT, I, STATE, N] = [0, 1, 2, 3, 4, 5, 6, 7];

/** &out[n] = out + n * 8 */
const outSlot = [op.localGet, OUT, op.localGet, N, op.i32Const, 3, op.i32Shl, op.i32Add];

const BODY = [
  ...[1, 3, I32], // three i32 locals
  ...[op.block, op.void, op.loop, op.void],
  ...[op.localGet, I, op.localGet, LEN, op.i32GeU, op.brIf, 1],
  ...[op.localGet, TABLE, op.localGet, STATE, op.i32Const, 8, op.i32Shl],
  ...[op.localGet, TEXT, op.localGet, I, op.i32Add, op.i32Load8U, 0, 0, op.i32Or],
  ...[op.i32Const, 1, op.i32Shl, op.i32Add, op.i32Load16U, 1, 0, op.localSet, STATE],
  ...[op.localGet, ACCEPTING, op.localGet, STATE, op.i32Add, op.i32Load8U, 0, 0, op.if, op.void],
  ...[...outSlot, op.localGet, I, op.i32Store, 2, 0],
  ...[...outSlot, op.localGet, STATE, op.i32Store, 2, 4],
  ...[op.localGet, N, op.i32Const, 1, op.i32Add, op.localSet, N, op.end],
  ...[op.localGet, I, op.i32Const, 1, op.i32Add, op.localSet, I, op.br, 0],
  ...[op.end, op.end, op.localGet, N, op.end],
];

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    const byte = v & 0x7f;
    v >>>= 7;
    out.push(v === 0 ? byte : byte | 0x80);
  } while (v !== 0);
  return out;
}

function name(text: string): number[] {
  return [text.length, ...Buffer.from(text, "ascii")];
}

const MODULE_BYTES = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, [1, 0x60, 5, I32, I32, I32, I32, I32, 1, I32]), // (i32 × 5) → i32
  ...section(3, [1, 0]), // one function of type 0
  ...section(5, [1, 0, 1]), // one memory, at least one page
  ...section(7, [2, ...name("memory"), 2, 0, ...name("scan"), 0, 0]),
  ...section(10, [1, ...uleb(BODY.length), ...BODY]),
]);

export interface AutomatonExports {
  memory: { readonly buffer: ArrayBuffer; grow(pages: number): number };
  scan(text: number, len: number, table: number, accepting: number, out: number): number;
}

/** The part of the WebAssembly API used here (TypeScript's Node typings leave it out). */
interface WebAssemblyApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

const { WebAssembly: wasm } = globalThis as unknown as { WebAssembly: WebAssemblyApi };
let compiled: object | undefined;

/** A fresh instance (its own memory); the module is compiled once, synchronously: it is tiny. */
export function instantiateAutomaton(): AutomatonExports {
  compiled ??= new wasm.Module(MODULE_BYTES);
  return new wasm.Instance(compiled, {}).exports as AutomatonExports;
}
