// The type stripper's surface: stripper-entry.js bundled with ts-blank-space and TypeScript at
// build time (host/build.ts), imported as "virtual:ts-stripper".
declare module "virtual:ts-stripper" {
  export interface Stripped {
    /** The JavaScript: the source with every type replaced by spaces (the source itself when it did not parse). */
    code: string;
    /** What TypeScript's parser refused, by offset into the source. */
    syntax: { start: number; message: string }[];
    /** Constructs that are not types and cannot be blanked (an enum, a namespace...), by offset. */
    unsupported: { start: number; construct: string }[];
  }

  export function strip(source: string): Stripped;
}
