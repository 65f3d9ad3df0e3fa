// The code a new script starts with. The JSDoc types `ctx` from the SDK, so typing `ctx.` in
// the editor lists what the platform offers, with its documentation.
export const blankScript = `/**
 * What this script does, in a sentence.
 *
 * @param {any} input whatever the caller sent
 * @param {import("iota:sdk").ScriptContext} ctx
 */
export default async function (input, ctx) {
  ctx.log.info("started", { input });

  return { ok: true };
}
`;

/**
 * The code a new script opens with: the blank script, or the template chosen on "New script"
 * (features/templates sets it before the editor opens). A live binding: the editor reads it
 * when it opens, and compares against it to know whether anything changed.
 */
export let newScriptTemplate = blankScript;

export function startNewScriptFrom(code: string): void {
  newScriptTemplate = code;
}
