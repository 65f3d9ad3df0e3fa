// `iota login [URL] [--token TOKEN]`: checks the token with GET /admin/api/me, then keeps it in
// the user's config dir (0600). Without --token it is read from stdin, so it can stay out of the
// shell's history and the process list.
import type { Me } from "../../protocol/api.ts";
import { Api } from "../api.ts";
import { text, type Command } from "../command.ts";
import { normaliseUrl, readConfig, writeConfig } from "../config.ts";
import { exitCodes, usage } from "../errors.ts";
import { findProject } from "../project.ts";
import { readSecret } from "../prompt.ts";

export const login: Command = {
  name: "login",
  summary: "check an API token and keep it for a server",
  help: `iota login [URL] [--token TOKEN]

Checks the token against the server (GET /admin/api/me) and keeps it in
$XDG_CONFIG_HOME/iota/config.json (~/.config/iota/config.json), readable by you only.
URL defaults to IOTA_URL, then the project's iota.json. Without --token (or IOTA_TOKEN), the
token is read from stdin: typed without echo at a terminal, or the first line piped in. In CI,
set IOTA_URL and IOTA_TOKEN instead of logging in.

  --token TOKEN    the API token (made in the admin, or POST /admin/api/tokens)`,
  options: { token: { type: "string" } },
  args: { min: 0, max: 1 },
  async run(invocation) {
    const { positionals, values, env, out } = invocation;
    const given = positionals[0] ?? env.IOTA_URL ?? (await findProject(invocation.cwd))?.url;
    if (!given) throw usage("which server? iota login https://scripts.example.com");
    const url = normaliseUrl(given);
    const token = (text(values, "token") ?? env.IOTA_TOKEN ?? (await readSecret(invocation.stdin, `API token for ${url}: `, process.stderr))).trim();
    if (!token) throw usage("no token given: --token TOKEN, or the token on stdin");
    // Checked as itself, in its own tenant: a project's tenant is checked by the commands that use it.
    const me = await new Api({ url, token, tenant: undefined }).get<Me>("/admin/api/me");
    const config = await readConfig(env);
    config.servers[url] = { token };
    config.current = url;
    const path = await writeConfig(env, config);
    out.result({ url, name: me.name, tenant: me.tenant.slug, role: me.role, platformAdmin: me.platformAdmin, configPath: path }, () =>
      [
        `Logged in to ${url} as ${me.name} (tenant ${me.tenant.slug}, role ${me.role}${me.platformAdmin ? ", platform admin" : ""}).`,
        `The token is kept in ${path}.`,
      ].join("\n"),
    );
    return exitCodes.ok;
  },
};
