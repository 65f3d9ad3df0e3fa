// Supplied at build time: the bundled harness module's source text (see host/build.ts).
declare module "virtual:harness-source" {
  const source: string;
  export default source;
}

// The script SDK's generated declarations (see host/build.ts), for editors.
declare module "virtual:sdk-types" {
  const declarations: string;
  export default declarations;
}
