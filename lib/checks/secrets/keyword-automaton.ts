/**
 * An Aho–Corasick automaton over lowercase ASCII keywords, compiled to a full transition table
 * that ignores ASCII case: one table lookup per input byte finds every keyword at once.
 */
export interface KeywordAutomaton {
  /** next state = table[state * 256 + byte]. */
  table: Uint16Array;
  /** 1 where a state ends at least one keyword. */
  accepting: Uint8Array;
  /** Keyword ids ending in each state (its own and those reached through failure links). */
  outputs: number[][];
  states: number;
}

const ALPHABET = 256;
/** States are 16-bit in the table. */
const MAX_STATES = 65_535;

export function buildKeywordAutomaton(keywords: readonly string[]): KeywordAutomaton {
  const goto: Int32Array[] = [new Int32Array(ALPHABET).fill(-1)];
  const outputs: number[][] = [[]];
  keywords.forEach((keyword, id) => {
    let state = 0;
    for (let i = 0; i < keyword.length; i++) {
      const c = keyword.charCodeAt(i);
      const row = goto[state] as Int32Array;
      if (row[c] === -1) {
        if (goto.length >= MAX_STATES) throw new Error("too many keyword characters for one automaton");
        row[c] = goto.length;
        goto.push(new Int32Array(ALPHABET).fill(-1));
        outputs.push([]);
      }
      state = row[c] as number;
    }
    (outputs[state] as number[]).push(id);
  });

  // Breadth-first: each state's failure state is shallower, so its row is already complete.
  const fail = new Int32Array(goto.length);
  const root = goto[0] as Int32Array;
  const queue: number[] = [];
  for (let c = 0; c < ALPHABET; c++) {
    const next = root[c] as number;
    if (next === -1) root[c] = 0;
    else queue.push(next);
  }
  for (let head = 0; head < queue.length; head++) {
    const state = queue[head] as number;
    const row = goto[state] as Int32Array;
    const failRow = goto[fail[state] as number] as Int32Array;
    (outputs[state] as number[]).push(...(outputs[fail[state] as number] as number[]));
    for (let c = 0; c < ALPHABET; c++) {
      const next = row[c] as number;
      if (next === -1) row[c] = failRow[c] as number;
      else {
        fail[next] = failRow[c] as number;
        queue.push(next);
      }
    }
  }

  const table = new Uint16Array(goto.length * ALPHABET);
  const accepting = new Uint8Array(goto.length);
  goto.forEach((row, state) => {
    for (let c = 0; c < ALPHABET; c++) {
      // Upper-case letters take the lower-case transition: keywords match in any case.
      const folded = c >= 65 && c <= 90 ? c + 32 : c;
      table[state * ALPHABET + c] = row[folded] as number;
    }
    accepting[state] = (outputs[state] as number[]).length > 0 ? 1 : 0;
  });
  return { table, accepting, outputs, states: goto.length };
}
