// Supplied at build time: the bundled harness module's source text (see host/build.ts).
declare module "virtual:harness-source" {
  const source: string;
  export default source;
}
