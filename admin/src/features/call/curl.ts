// curl command lines to copy: every argument quoted for a POSIX shell.

/** One shell word: single-quoted, with single quotes closed, escaped and reopened. */
export const shellQuote = (text: string) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(text) ? text : `'${text.replaceAll("'", `'\\''`)}'`);

export interface CurlRequest {
  method: string;
  url: string;
  headers?: [string, string][];
  body?: string;
  /** Header values left unquoted so the shell expands them (`$IOTA_TOKEN`, `$sig`). */
  expand?: boolean;
}

export function curl(r: CurlRequest): string {
  const lines = [`curl -i -X ${r.method} ${shellQuote(r.url)}`];
  for (const [name, value] of r.headers ?? []) lines.push(`  -H ${r.expand && value.includes("$") ? `"${name}: ${value}"` : shellQuote(`${name}: ${value}`)}`);
  if (r.body !== undefined && r.method !== "GET" && r.method !== "HEAD") lines.push(`  --data-raw ${shellQuote(r.body)}`);
  return lines.join(" \\\n");
}
