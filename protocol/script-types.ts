// How a TypeScript script is type-checked, said once for the admin's editor and `iota push`, so
// both report the same errors: the SDK's declarations as the module "iota:sdk", the globals of a
// worker isolate (no DOM, no Node), strict but for implicit `any`. The server strips types and
// never checks them: type errors are warnings in the editor and a refusal only of `iota push`.

/** The module scripts take the SDK's types from: `import type { ScriptContext } from "iota:sdk"`. */
export const sdkModule = "iota:sdk";

/** The SDK's generated declarations (`GET /admin/api/sdk/types`) as an ambient module. */
export function sdkAmbientModule(declarations: string): string {
  return `declare module "${sdkModule}" {\n${declarations.replace(/^export declare /gm, "export ")}\n}\n`;
}

/** Compiler options both checkers use (the names and values of tsconfig.json). */
export const scriptCheckOptions = {
  strict: true,
  // A script's callbacks and helpers stay short without annotations everywhere.
  noImplicitAny: false,
  lib: ["esnext", "webworker"],
  types: [] as string[],
  noEmit: true,
  skipLibCheck: true,
  isolatedModules: true,
} as const;

/** What a new TypeScript script starts as: its input and `ctx` typed from the SDK. */
export const typescriptTemplate = `import type { ScriptContext } from "${sdkModule}";

interface Input {
  name?: string;
}

export default async function (input: Input, ctx: ScriptContext) {
  ctx.log.info(\`hello from \${ctx.script.name}\`);
  return { hello: input?.name ?? "world" };
}
`;
