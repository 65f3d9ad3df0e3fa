// Scripts a hostile tenant writes to take memory the V8 heap cap does not see. Each takes the
// number of MB to hold as its input and returns how many it got.
export const offHeapBombs: [string, string][] = [
  [
    "Uint8Array buffers",
    `export default (mb) => { const keep = []; for (let i = 0; i < mb / 16; i++) { const b = new Uint8Array(16 << 20); b.fill(1); keep.push(b); } return keep.length * 16; }`,
  ],
  [
    "SharedArrayBuffers",
    `export default (mb) => { const keep = []; for (let i = 0; i < mb / 16; i++) { const b = new SharedArrayBuffer(16 << 20); new Uint8Array(b).fill(1); keep.push(b); } return keep.length * 16; }`,
  ],
  [
    "a WebAssembly.Memory",
    `export default (mb) => { const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 }); for (let i = 0; i < mb / 16; i++) { const at = m.buffer.byteLength; m.grow(256); new Uint8Array(m.buffer, at).fill(1); } return Math.round(m.buffer.byteLength / 1048576); }`,
  ],
];
