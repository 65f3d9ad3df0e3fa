// The little the CLI asks of git: the last commit's subject (a push's default message) and the
// committed versions of a file (to recognise a server version this repository pushed itself,
// e.g. from CI, whose lock file was not committed back). Without git, both answer nothing.
import { execFile, spawn } from "node:child_process";
import { relative } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export async function lastCommitSubject(cwd: string): Promise<string | undefined> {
  try {
    const { stdout } = await run("git", ["log", "-1", "--format=%s"], { cwd });
    return stdout.trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The contents of every version of `path` committed on any branch, newest first. */
export async function committedVersions(root: string, path: string): Promise<string[]> {
  let blobs: string[];
  try {
    const { stdout } = await run("git", ["log", "--all", "--no-renames", "--format=", "--raw", "--no-abbrev", "--", relative(root, path)], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    // Raw lines read ":100644 100644 <old blob> <new blob> M\tpath"; the new blob is the version committed.
    blobs = [
      ...new Set(
        stdout
          .split("\n")
          .map((line) => line.split(/\s+/)[3])
          .filter((blob): blob is string => !!blob && !/^0+$/.test(blob)),
      ),
    ];
  } catch {
    return [];
  }
  return blobs.length ? readBlobs(root, blobs) : [];
}

/** Reads blobs through one `git cat-file --batch`: "<id> blob <size>\n<content>\n" each. */
function readBlobs(root: string, blobs: string[]): Promise<string[]> {
  return new Promise((resolve) => {
    const child = spawn("git", ["cat-file", "--batch"], { cwd: root, stdio: ["pipe", "pipe", "ignore"] });
    const chunks: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => chunks.push(chunk));
    child.on("error", () => resolve([]));
    child.on("close", () => {
      const all = Buffer.concat(chunks);
      const contents: string[] = [];
      let at = 0;
      while (at < all.length) {
        const headerEnd = all.indexOf(0x0a, at);
        if (headerEnd < 0) break;
        const [, type, size] = all.subarray(at, headerEnd).toString().split(" ");
        if (type !== "blob") break;
        const start = headerEnd + 1;
        contents.push(all.subarray(start, start + Number(size)).toString("utf8"));
        at = start + Number(size) + 1;
      }
      resolve(contents);
    });
    child.stdin.end(`${blobs.join("\n")}\n`);
  });
}
