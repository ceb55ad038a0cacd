// Parsing and preparing the commands of a bridge request for ioredis.
import type { ScriptShas } from "./scripts";

/** A command ready for ioredis, plus an optional fix-up of its raw reply. */
export interface Prepared {
  name: string;
  args: string[];
  mapReply?: (reply: unknown) => unknown;
}

// They change the state of the one shared connection (or never reply), which
// would corrupt every other caller's requests.
const CONNECTION_STATE = new Set([
  "AUTH",
  "CLIENT",
  "DISCARD",
  "EXEC",
  "HELLO",
  "MONITOR",
  "MULTI",
  "PSUBSCRIBE",
  "PSYNC",
  "PUNSUBSCRIBE",
  "QUIT",
  "REPLCONF",
  "RESET",
  "SELECT",
  "SSUBSCRIBE",
  "SUBSCRIBE",
  "SUNSUBSCRIBE",
  "SYNC",
  "UNSUBSCRIBE",
  "UNWATCH",
  "WATCH",
]);
// They can stall the shared connection for their whole timeout, so outside a
// transaction they run on a short-lived connection of their own.
const BLOCKING = new Set(["BLMOVE", "BLMPOP", "BLPOP", "BRPOP", "BRPOPLPUSH", "BZMPOP", "BZPOPMAX", "BZPOPMIN", "WAIT", "WAITAOF"]);

export class BridgeError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export function parseCommand(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BridgeError(400, "ERR a command must be a non-empty JSON array");
  }
  return value.map((arg: unknown) => {
    // The client sends numbers and booleans unquoted; Redis only takes strings.
    if (typeof arg === "string") return arg;
    if (typeof arg === "number" || typeof arg === "boolean") return String(arg);
    throw new BridgeError(400, "ERR command arguments must be strings, numbers or booleans");
  });
}

export function parseCommandList(value: unknown): string[][] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new BridgeError(400, "ERR a pipeline must be a non-empty JSON array of commands");
  }
  return value.map(parseCommand);
}

/** Applies the script translation; throws (as a command error) for unsupported commands. */
export function prepare(command: string[], shas: ScriptShas): Prepared {
  // Upper-case on purpose: ioredis keys its argument/reply transformers (hgetall to
  // an object, mset from an object, ...) on lower-case names.
  const name = command[0]!.toUpperCase();
  const args = command.slice(1);
  if (CONNECTION_STATE.has(name)) throw new Error(`ERR Command is not available: '${name}'`);
  if ((name === "EVAL" || name === "EVAL_RO") && args[0] !== undefined) {
    args[0] = shas.load(args[0]).script;
  } else if ((name === "EVALSHA" || name === "EVALSHA_RO") && args[0] !== undefined) {
    args[0] = shas.translate(args[0]);
  } else if (name === "SCRIPT") {
    const sub = args[0]?.toUpperCase();
    if (sub === "LOAD" && args[1] !== undefined) {
      const loaded = shas.load(args[1]);
      args[1] = loaded.script;
      // Hand back the sha of the text the client sent, which is what it will use.
      return { name, args, mapReply: () => Buffer.from(loaded.originalSha) };
    }
    if (sub === "EXISTS") return { name, args: args.map((a, i) => (i === 0 ? a : shas.translate(a))) };
  }
  return { name, args };
}

export function isBlocking({ name, args }: Prepared): boolean {
  if (BLOCKING.has(name)) return true;
  return (name === "XREAD" || name === "XREADGROUP") && args.some((a) => a.toUpperCase() === "BLOCK");
}
