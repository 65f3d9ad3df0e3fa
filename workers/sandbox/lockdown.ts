// Freezes the language's shared objects before any user code runs, so a script cannot change
// what Object.prototype, Array.prototype, Promise and friends mean for the executions that
// come after it in the same isolate (prototype pollution), nor patch the harness's tools.
//
// It also pins the global names of those objects (and of the timers, base64 and console):
// each becomes a non-writable, non-configurable own property of the global object. A frozen
// object under a name the script can point elsewhere is not fixed at all, and in workerd most
// web globals (Response, TextEncoder, setTimeout, btoa...) live on the global object's
// prototype chain, which a script can replace (Object.setPrototypeOf(globalThis, ...)) or shadow.
// The harness does not rely on the names (it calls what it captured, see captured.ts); the pins
// keep a script from changing what they mean for its own later executions. `fetch` stays
// writable: wrapping it is common in libraries, and the egress checks every request anyway.

const globals: Record<string, unknown> = {
  Object,
  Function,
  Array,
  String,
  Number,
  Boolean,
  Symbol,
  BigInt,
  Date,
  RegExp,
  Promise,
  Map,
  Set,
  WeakMap,
  WeakSet,
  WeakRef,
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  AggregateError,
  ArrayBuffer,
  DataView,
  Uint8Array,
  Int8Array,
  Uint16Array,
  Int16Array,
  Uint32Array,
  Int32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
  Uint8ClampedArray,
  JSON,
  Math,
  Reflect,
  Atomics,
  Intl,
  URL,
  URLSearchParams,
  Request,
  Response,
  Headers,
  TextEncoder,
  TextDecoder,
  AbortController,
  AbortSignal,
  Blob,
  FormData,
  ReadableStream,
  ReadableStreamDefaultReader,
};

// Pinned but not frozen: functions and the console, whose methods the harness has replaced.
const pinnedOnly: Record<string, unknown> = {
  setTimeout,
  clearTimeout,
  setInterval,
  clearInterval,
  queueMicrotask,
  structuredClone,
  btoa,
  atob,
  console,
  globalThis,
};

const hidden: unknown[] = [
  Object.getPrototypeOf(function* () {}),
  Object.getPrototypeOf(async () => {}),
  Object.getPrototypeOf(async function* () {}),
  Object.getPrototypeOf([][Symbol.iterator]()),
  Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())),
];

// Not %TypedArray% nor its prototype: with either frozen, workerd's console stops writing (seen
// with workerd 1.20261117.1), and the harness needs console to reach the host. Code of ours
// never uses them through a name or a lookup (see captured.ts).
const typedArray = Object.getPrototypeOf(Uint8Array) as object;
const typedArrayPrototype = Object.getPrototypeOf(Uint8Array.prototype) as object;

/** Freezes `value` and what it inherits from: Response.prototype's parent (Body) holds arrayBuffer, json, body... */
function freezeChain(value: unknown): void {
  for (let p = value; (typeof p === "object" || typeof p === "function") && p !== null; p = Object.getPrototypeOf(p)) {
    if (p === typedArray || p === typedArrayPrototype) return;
    Object.freeze(p);
  }
}

export function lockdown(): void {
  for (const value of [...Object.values(globals), ...hidden]) {
    freezeChain(value);
    freezeChain((value as { prototype?: unknown } | null)?.prototype);
  }
  for (const [name, value] of [...Object.entries(globals), ...Object.entries(pinnedOnly)]) {
    if (value === undefined) continue;
    const own = Object.getOwnPropertyDescriptor(globalThis, name);
    Object.defineProperty(globalThis, name, { value, writable: false, configurable: false, enumerable: own?.enumerable ?? false });
  }
}
