// Freezes the language's shared objects before any user code runs, so a script cannot change
// what Object.prototype, Array.prototype, Promise and friends mean for the executions that
// come after it in the same isolate (prototype pollution), nor patch the harness's tools.

const intrinsics: unknown[] = [
  Object, Function, Array, String, Number, Boolean, Symbol, BigInt, Date, RegExp, Promise, Map, Set, WeakMap, WeakSet, WeakRef,
  Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError, AggregateError,
  // Not %TypedArray% itself: with it or its prototype frozen, workerd's console stops writing
  // (seen with workerd 1.20261117.1), and the harness needs console to reach the host.
  ArrayBuffer, DataView, Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, Uint8ClampedArray,
  JSON, Math, Reflect, Atomics, Intl,
  URL, URLSearchParams, Request, Response, Headers, TextEncoder, TextDecoder, AbortController, AbortSignal, Blob, FormData,
  Object.getPrototypeOf(function* () {}), Object.getPrototypeOf(async function () {}), Object.getPrototypeOf(async function* () {}),
  Object.getPrototypeOf([][Symbol.iterator]()), Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())),
];

export function lockdown(): void {
  for (const value of intrinsics) {
    if (value === undefined || value === null) continue;
    Object.freeze(value);
    const proto = (value as { prototype?: unknown }).prototype;
    if (proto && typeof proto === "object") Object.freeze(proto);
  }
}
