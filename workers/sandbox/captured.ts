// What platform code in a script's isolate calls once the script's own code may have run, taken
// when the harness module is evaluated, before any user code. lockdown() freezes most
// intrinsics but cannot make these safe by itself: %TypedArray%.prototype stays open (freezing
// it silences workerd's console), a Response subclass can shadow any getter, and a script can
// hand the harness an object that only pretends to be a stream or a Response. So platform code
// never names a global or looks a method up on an object the script gave it: it calls the
// references below, through the captured `apply`.

export const { apply } = Reflect;
export const { getOwnPropertyDescriptor, getPrototypeOf } = Object;

function lookup(proto: object, name: string): PropertyDescriptor {
  for (let p: object | null = proto; p !== null; p = getPrototypeOf(p) as object | null) {
    const found = getOwnPropertyDescriptor(p, name);
    if (found) return found;
  }
  throw new Error(`the runtime has no ${name}: the sandbox cannot start`);
}

function getter<T>(proto: object, name: string): (target: unknown) => T {
  const get = lookup(proto, name).get;
  if (!get) throw new Error(`${name} is not an accessor: the sandbox cannot start`);
  return (target) => apply(get, target, []) as T;
}

function method<A extends unknown[], R>(proto: object, name: string): (target: unknown, ...args: A) => R {
  const fn = lookup(proto, name).value as (...args: A) => R;
  if (typeof fn !== "function") throw new Error(`${name} is not a method: the sandbox cannot start`);
  return (target, ...args) => apply(fn, target, args) as R;
}

export const stringify = JSON.stringify;
export const parse = JSON.parse;
export const freeze = Object.freeze;
export const toText = String;
export const isFiniteNumber = Number.isFinite;
export const isInteger = Number.isInteger;
export const round = Math.round;
export const min = Math.min;
export const { defineProperty, keys } = Object;
export const isArray = Array.isArray;
export const objectToString = method<[], string>(Object.prototype, "toString");

export const PlatformError = Error;
export const PlatformTypeError = TypeError;
export const PlatformWeakSet = WeakSet;
export const PlatformPromise = Promise;
export const race = Promise.race.bind(Promise) as <T extends readonly unknown[]>(values: T) => Promise<Awaited<T[number]>>;
export const PlatformAbortController = AbortController;
export const PlatformRequest = Request;
export const PlatformResponse = Response;
export const PlatformUint8Array = Uint8Array;

// workerd frees what each request leaves behind outside V8's heap (its API objects' native parts
// and pointer-table entries) only in a full collection, and V8 schedules one by the size of its
// own heap, which a short script barely grows: under steady calls the process grew by about
// 11 KB per call (300 MB after 20,000) until the kernel killed it at its memory limit, and
// about a fifth of the runner's CPU went to faulting in fresh pages. The runner starts workerd
// with --expose-gc so the harness can collect every so often (see harness.ts); the script never
// sees it: it is taken here, at the harness's evaluation, and the global (which V8 makes
// non-configurable, so it cannot be deleted) is left holding undefined, for good.
const globalGc = (globalThis as { gc?: () => void }).gc;
if (globalGc !== undefined) Object.defineProperty(globalThis, "gc", { value: undefined, writable: false });
export const collectGarbage: () => void = typeof globalGc === "function" ? () => apply(globalGc, undefined, []) : () => undefined;

export const now = Date.now;
export const parseTime = Date.parse;
const PlatformDate = Date;
const toISOString = method<[], string>(Date.prototype, "toISOString");
export const isoNow = (): string => toISOString(new PlatformDate());

// workerd's timers want the global scope as `this`.
export const setTimer = setTimeout.bind(globalThis) as (callback: () => void, ms: number) => number;
export const clearTimer = clearTimeout.bind(globalThis) as (id: number | undefined) => void;

export const requestHeaders = getter<Headers>(Request.prototype, "headers");
export const responseStatus = getter<number>(Response.prototype, "status");
export const responseHeaders = getter<Headers>(Response.prototype, "headers");
export const bodyStream = getter<ReadableStream | null>(Response.prototype, "body");
export const bodyJson = method<[], Promise<unknown>>(Response.prototype, "json");
export const headersGet = method<[string], string | null>(Headers.prototype, "get");
export const headersSet = method<[string, string], void>(Headers.prototype, "set");
export const headersForEach = method<[(value: string, name: string) => void], void>(Headers.prototype, "forEach");

export const getReader = method<[], ReadableStreamDefaultReader>(ReadableStream.prototype, "getReader");
export const readChunk = method<[], Promise<ReadableStreamReadResult<unknown>>>(ReadableStreamDefaultReader.prototype, "read");
export const cancelReader = method<[unknown?], Promise<void>>(ReadableStreamDefaultReader.prototype, "cancel");

// A streamed answer's body is written by the harness into a pipe of its own, whose reading end
// goes to the runner: workerd's byte-only IdentityTransformStream where there is one.
const Pipe = ((globalThis as { IdentityTransformStream?: typeof TransformStream }).IdentityTransformStream ?? TransformStream) as typeof TransformStream;
const pipeReadable = getter<ReadableStream<Uint8Array>>(Pipe.prototype, "readable");
const pipeWritable = getter<WritableStream<Uint8Array>>(Pipe.prototype, "writable");
const getWriter_ = method<[], WritableStreamDefaultWriter<Uint8Array>>(WritableStream.prototype, "getWriter");
export const writeChunk = method<[Uint8Array], Promise<void>>(WritableStreamDefaultWriter.prototype, "write");
export const closeWriter = method<[], Promise<void>>(WritableStreamDefaultWriter.prototype, "close");
export const abortWriter = method<[unknown?], Promise<void>>(WritableStreamDefaultWriter.prototype, "abort");
export const newPipe = (): { readable: ReadableStream<Uint8Array>; writer: WritableStreamDefaultWriter<Uint8Array> } => {
  const pipe = new Pipe();
  return { readable: pipeReadable(pipe), writer: getWriter_(pipeWritable(pipe)) };
};

const typedArrayPrototype = getPrototypeOf(Uint8Array.prototype) as object;
const byteLengthOf = getter<number>(typedArrayPrototype, "byteLength");
const byteOffsetOf = getter<number>(typedArrayPrototype, "byteOffset");
const bufferOf = getter<ArrayBufferLike>(typedArrayPrototype, "buffer");
const setBytes = method<[Uint8Array, number], void>(typedArrayPrototype, "set");

/** A fixed-length byte view of any typed array; throws for anything else (a string, a Proxy, a fake). */
export function bytesOf(view: unknown): Uint8Array {
  const length = byteLengthOf(view);
  return new PlatformUint8Array(bufferOf(view), byteOffsetOf(view), length);
}

/** The first `length` bytes of `bytes` (no copy). */
export function prefixOf(bytes: Uint8Array, length: number): Uint8Array {
  return new PlatformUint8Array(bufferOf(bytes), byteOffsetOf(bytes), length);
}

/** A copy of `parts`, `total` bytes long. */
export function concatBytes(parts: Uint8Array[], total: number): Uint8Array {
  const out = new PlatformUint8Array(total);
  let offset = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    setBytes(out, part, offset);
    offset += byteLengthOf(part);
  }
  return out;
}

export { byteLengthOf };
