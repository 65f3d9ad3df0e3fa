// `iota diff [NAME...]`: what a push would change, as unified diffs of code and settings from the
// server's version to the local files.
import { flag, type Command } from "../command.ts";
import { compare, differs } from "../compare.ts";
import { unifiedDiff } from "../diff.ts";
import { exitCodes } from "../errors.ts";
import { readLocalScripts, shown } from "../project.ts";
import { session } from "../remote.ts";
import { formatSettings, projectOnto, settingsOf } from "../settings.ts";

export const diff: Command = {
  name: "diff",
  summary: "show how local scripts differ from the server",
  help: `iota diff [NAME...] [--exit-code]

Unified diffs from the server's current version of each script to scripts/: the code, and the
settings the local file sets. Scripts only on the server are listed (iota pull fetches them).

  --exit-code      exit 1 when anything differs (for CI)`,
  options: { "exit-code": { type: "boolean" } },
  args: { min: 0, max: Infinity },
  async run(invocation) {
    const { positionals, values, out } = invocation;
    const { api, project } = await session(invocation, true);
    const { compared, remoteOnly } = await compare(api, project, await readLocalScripts(project), positionals, out, "comparing");
    const scripts = compared.filter(differs).map((c) => {
      const codeFile = shown(project, c.local.codePath);
      const settingsFile = shown(project, c.local.settingsPath);
      const remoteName = (file: string) => (c.remote ? `server/${file} (version ${c.remote.version})` : "/dev/null");
      const code = unifiedDiff(c.remote?.code ?? "", c.local.code, remoteName(codeFile), codeFile);
      const settings = unifiedDiff(
        c.remote ? formatSettings(projectOnto(settingsOf(c.remote), c.settings)) : "",
        formatSettings(c.settings),
        remoteName(settingsFile),
        settingsFile,
      );
      return {
        name: c.name,
        status: c.remote ? "changed" : "new",
        changes: [...(c.codeChanged ? ["code"] : []), ...c.settingsChanged],
        diff: `${code}${settings}`,
      };
    });
    const onlyOnServer = remoteOnly.map((s) => s.name).sort();
    out.result({ url: api.url, tenant: project.tenant, scripts, onlyOnServer, unchanged: compared.length - scripts.length }, () => {
      const color = process.stdout.isTTY && !invocation.env.NO_COLOR;
      const parts = scripts.map((s) => (color ? colored(s.diff) : s.diff));
      if (onlyOnServer.length) parts.push(`Only on the server (iota pull fetches them): ${onlyOnServer.join(", ")}\n`);
      if (!scripts.length) parts.push(`No differences in ${compared.length} script${compared.length === 1 ? "" : "s"}.\n`);
      return parts.join("");
    });
    return flag(values, "exit-code") && scripts.length > 0 ? exitCodes.failed : exitCodes.ok;
  },
};

function colored(diff: string): string {
  const paint = (code: number) => (line: string) => `\x1b[${code}m${line}\x1b[0m`;
  return diff
    .split("\n")
    .map((line) =>
      line.startsWith("+++") || line.startsWith("---")
        ? paint(1)(line)
        : line.startsWith("+")
          ? paint(32)(line)
          : line.startsWith("-")
            ? paint(31)(line)
            : line.startsWith("@@")
              ? paint(36)(line)
              : line,
    )
    .join("\n");
}
