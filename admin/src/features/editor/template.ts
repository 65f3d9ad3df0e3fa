// The code a new script starts with. The JSDoc types `ctx` from the SDK, so typing `ctx.` in
// the editor lists what the platform offers, with its documentation.
export const newScriptTemplate = `/**
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
