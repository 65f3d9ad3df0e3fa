// `iota init [DIR]`: a directory ready to keep a tenant's scripts in git. iota.json names the
// server and tenant (no secrets: it is committed), scripts/ will hold the scripts.
import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { Me } from "../../protocol/api.ts";
import { Api } from "../api.ts";
import { flag, text, type Command } from "../command.ts";
import { connect, normaliseUrl } from "../config.ts";
import { exitCodes, failed, usage } from "../errors.ts";
import { lockFile, projectFile, scriptsDir } from "../project.ts";

const gitignore = `# iota keeps API tokens in your config dir (~/.config/iota), never here.
# Commit ${lockFile}: it is how \`iota push\` tells a conflicting change on the server.
node_modules/
.env
`;

const readme = (tenant: string, url: string) => `# Scripts of ${tenant}

The scripts of tenant \`${tenant}\` on ${url}, kept as code: \`iota pull\` fetches them into \`${scriptsDir}/\` (code and a settings file each), \`iota diff\` shows what differs, \`iota push -m "why"\` makes a new version of each changed script.
`;

export const init: Command = {
  name: "init",
  summary: "make a directory for a tenant's scripts as code",
  help: `iota init [DIR] [--url URL] [--tenant SLUG] [--force]

Writes iota.json (the server and tenant), a .gitignore and a README into DIR (default: here),
and makes scripts/. The tenant defaults to the logged-in token's own; a platform admin may
name another. Then: iota pull.

  --url URL        the server (default: IOTA_URL, then the last login)
  --tenant SLUG    the tenant (checked against the server when you are logged in)
  --force          overwrite an existing iota.json`,
  options: { url: { type: "string" }, tenant: { type: "string" }, force: { type: "boolean" } },
  args: { min: 0, max: 1 },
  async run(invocation) {
    const { positionals, values, env, out } = invocation;
    const root = resolve(invocation.cwd, positionals[0] ?? ".");
    if (existsSync(join(root, projectFile)) && !flag(values, "force")) throw failed(`${join(root, projectFile)} exists already (--force to overwrite it)`);
    const wantedUrl = text(values, "url");
    const wantedTenant = text(values, "tenant");
    if (wantedUrl !== undefined) normaliseUrl(wantedUrl);
    // The flags win over IOTA_URL and IOTA_TENANT here: they say what this project is for.
    const chosen = { ...env, ...(wantedUrl ? { IOTA_URL: wantedUrl } : {}), ...(wantedTenant ? { IOTA_TENANT: wantedTenant } : {}) };
    const connection = await connect(chosen, undefined).catch((e) => {
      // Offline set-up is fine when the project says it all; the first pull checks it.
      if (wantedUrl && wantedTenant) return undefined;
      throw e;
    });
    let url = wantedUrl ? normaliseUrl(wantedUrl) : connection?.url;
    let tenant = wantedTenant;
    if (connection) {
      const me = await new Api(connection).get<Me>("/admin/api/me");
      url = connection.url;
      tenant = me.tenant.slug;
    }
    if (!url || !tenant) throw usage("give --url and --tenant, or log in first (iota login)");
    await mkdir(join(root, scriptsDir), { recursive: true });
    await writeFile(join(root, projectFile), `${JSON.stringify({ url, tenant }, null, 2)}\n`);
    const written = [projectFile];
    if (!existsSync(join(root, ".gitignore"))) {
      await writeFile(join(root, ".gitignore"), gitignore);
      written.push(".gitignore");
    }
    if (!existsSync(join(root, "README.md"))) {
      await writeFile(join(root, "README.md"), readme(tenant, url));
      written.push("README.md");
    }
    out.result({ root, url, tenant, written, checked: connection !== undefined }, () =>
      [
        `Ready for tenant ${tenant} on ${url} in ${root} (wrote ${written.join(", ")}).`,
        connection ? "Next: iota pull" : "Not checked against the server (not logged in): iota login, then iota pull",
      ].join("\n"),
    );
    return exitCodes.ok;
  },
};
