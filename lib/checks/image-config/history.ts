import type { HistoryEntry } from "../../image/types.js";
import type { LayerRef } from "../../inventory/package.js";

/** One config history entry, parsed into the Dockerfile instruction it records. */
export interface HistoryStep {
  /** Position in config.history, for evidence ("history[4]"). */
  index: number;
  /** Upper-case instruction ("RUN", "ENV", "ADD" ...), or "" when created_by does not say. */
  instruction: string;
  /** The instruction's arguments; for RUN the shell command without the shell and build args. */
  args: string;
  /** Build args recorded before a RUN: BuildKit "RUN |2 A=1 B=2 /bin/sh -c …", classic "|1 A=1 …". */
  buildArgs: Assignment[];
  /** True when the step created no layer (ENV, CMD, LABEL …). */
  emptyLayer: boolean;
  /** The layer the step created: none for empty_layer steps or when history and layers disagree. */
  layer?: LayerRef;
  /** created_by as recorded. May hold secrets: never put it in a finding unredacted. */
  createdBy: string;
}

export interface Assignment {
  name: string;
  value: string;
}

/**
 * Parses the history and attributes layers: entries without empty_layer created the layers, in
 * order. When their count differs from the layer count the history was rewritten (squashed or
 * partly dropped), and guessing would blame the wrong layer, so no step gets one.
 */
export function parseHistory(history: HistoryEntry[] | undefined, layers: LayerRef[]): HistoryStep[] {
  const entries = history ?? [];
  const layered = entries.filter((entry) => entry.empty_layer !== true).length;
  const attribute = layered === layers.length;
  let next = 0;
  return entries.map((entry, index) => {
    const layer = entry.empty_layer === true ? undefined : layers[next++];
    const parsed = parseCreatedBy(entry.created_by ?? "");
    return {
      index,
      ...parsed,
      emptyLayer: entry.empty_layer === true,
      ...(attribute && layer !== undefined ? { layer } : {}),
      createdBy: entry.created_by ?? "",
    };
  });
}

const BUILDKIT_SUFFIX = /\s*#\s*buildkit\s*$/;
const CLASSIC_NOP = /^(?:\/bin\/(?:ba)?sh -c|cmd \/S \/C)\s+#\(nop\)\s*/;
const SHELL_PREFIX = /^(?:\/bin\/(?:ba)?sh -c|cmd \/S \/C)\s+/;
const BUILD_ARGS = /^\|(\d+)\s+/;
const INSTRUCTION = /^([A-Z]+)(?:\s+|$)/;

/** The instruction, arguments and build args a created_by line records, classic or BuildKit. */
export function parseCreatedBy(createdBy: string): Pick<HistoryStep, "instruction" | "args" | "buildArgs"> {
  let text = createdBy.trim().replace(BUILDKIT_SUFFIX, "");

  // Classic builder: non-RUN instructions are recorded as a no-op shell command.
  const nop = CLASSIC_NOP.exec(text);
  if (nop !== null) {
    const rest = text.slice(nop[0].length);
    const word = INSTRUCTION.exec(rest);
    return word === null
      ? { instruction: "", args: rest, buildArgs: [] }
      : { instruction: word[1] ?? "", args: rest.slice(word[0].length).trim(), buildArgs: [] };
  }

  let instruction = "";
  const word = INSTRUCTION.exec(text);
  if (word !== null) {
    instruction = word[1] ?? "";
    text = text.slice(word[0].length);
  }
  const argCount = BUILD_ARGS.exec(text);
  if (argCount !== null || SHELL_PREFIX.test(text)) instruction ||= "RUN";
  if (instruction !== "RUN") return { instruction, args: text.trim(), buildArgs: [] };

  let buildArgs: Assignment[] = [];
  if (argCount !== null) {
    const split = splitBuildArgs(text.slice(argCount[0].length), Number(argCount[1]));
    buildArgs = split.buildArgs;
    text = split.command;
  }
  return { instruction, args: text.replace(SHELL_PREFIX, "").trim(), buildArgs };
}

const NAME_AT_START = /^([A-Za-z_][\w.\-/]*)=/;
const NEXT_NAME = /\s+[A-Za-z_][\w.\-/]*=/;
const NEXT_SHELL = /\s+(?:\/bin\/(?:ba)?sh -c|cmd \/S \/C)\s/;

/** Takes `count` NAME=value pairs off the front; the last value ends where the shell starts. */
function splitBuildArgs(text: string, count: number): { buildArgs: Assignment[]; command: string } {
  const buildArgs: Assignment[] = [];
  let rest = text;
  for (let i = 0; i < count; i++) {
    const head = NAME_AT_START.exec(rest);
    if (head === null) break;
    rest = rest.slice(head[0].length);
    const stop = i < count - 1 ? NEXT_NAME.exec(rest) : (NEXT_SHELL.exec(rest) ?? /\s/.exec(rest));
    const end = stop === null ? rest.length : stop.index;
    buildArgs.push({ name: head[1] ?? "", value: rest.slice(0, end) });
    rest = rest.slice(end).trimStart();
  }
  return { buildArgs, command: rest };
}

/**
 * NAME=value pairs of an ENV, ARG or LABEL line. Builders record values unquoted, so a value runs
 * until the next " NAME="; the legacy "ENV NAME value" form is one pair.
 */
export function parseAssignments(args: string): Assignment[] {
  const text = args.trim();
  if (text === "") return [];
  if (NAME_AT_START.exec(text) === null) {
    const space = /\s+/.exec(text);
    if (space === null) return [{ name: text, value: "" }];
    return [{ name: text.slice(0, space.index), value: unquote(text.slice(space.index + space[0].length)) }];
  }
  const pairs: Assignment[] = [];
  let rest = text;
  while (rest !== "") {
    const head = NAME_AT_START.exec(rest);
    if (head === null) {
      // A bare ARG name between pairs ("ARG A B=1"): it has no value.
      const space = /\s+/.exec(rest);
      rest = space === null ? "" : rest.slice(space.index + space[0].length);
      continue;
    }
    rest = rest.slice(head[0].length);
    const stop = NEXT_NAME.exec(rest);
    const end = stop === null ? rest.length : stop.index;
    pairs.push({ name: head[1] ?? "", value: unquote(rest.slice(0, end).trim()) });
    rest = rest.slice(end).trimStart();
  }
  return pairs;
}

function unquote(value: string): string {
  const quoted = /^(["'])(.*)\1$/s.exec(value);
  return quoted === null ? value : (quoted[2] ?? "");
}
