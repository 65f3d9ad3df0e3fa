// A unified diff of two texts, as `diff -u` and git print it (three lines of context). Edits to
// scripts are local, so the common head and tail are cut first and the longest common
// subsequence is computed for what is left; a middle too large for that is shown replaced whole.

type Op = { kind: " " | "-" | "+"; line: string; last: boolean };

const context = 3;
const maxCells = 4_000_000;

export function unifiedDiff(before: string, after: string, beforeName: string, afterName: string): string {
  if (before === after) return "";
  const a = lines(before);
  const b = lines(after);
  const ops = compare(a, b);
  const out = [`--- ${beforeName}`, `+++ ${afterName}`];
  for (const hunk of hunks(ops)) out.push(...hunk);
  return `${out.join("\n")}\n`;
}

interface Line {
  text: string;
  /** The file's last line, without a newline after it. */
  unterminated: boolean;
}

function lines(text: string): Line[] {
  if (text === "") return [];
  const parts = text.split("\n");
  const terminated = parts.at(-1) === "";
  if (terminated) parts.pop();
  return parts.map((line, i) => ({ text: line, unterminated: !terminated && i === parts.length - 1 }));
}

const key = (line: Line) => (line.unterminated ? `${line.text}\u0000` : line.text);

function compare(a: Line[], b: Line[]): Op[] {
  let head = 0;
  while (head < a.length && head < b.length && key(a[head]!) === key(b[head]!)) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && key(a[a.length - 1 - tail]!) === key(b[b.length - 1 - tail]!)) tail++;
  const op = (kind: Op["kind"], line: Line): Op => ({ kind, line: line.text, last: line.unterminated });
  const middleA = a.slice(head, a.length - tail);
  const middleB = b.slice(head, b.length - tail);
  return [...a.slice(0, head).map((l) => op(" ", l)), ...middle(middleA, middleB, op), ...a.slice(a.length - tail).map((l) => op(" ", l))];
}

function middle(a: Line[], b: Line[], op: (kind: Op["kind"], line: Line) => Op): Op[] {
  const n = a.length;
  const m = b.length;
  if (n * m > maxCells) return [...a.map((l) => op("-", l)), ...b.map((l) => op("+", l))];
  // lengths[i][j]: the longest common subsequence of a[i..] and b[j..] (min(n, m) <= 2,000 lines here).
  const width = m + 1;
  const lengths = new Uint16Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] =
        key(a[i]!) === key(b[j]!) ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (key(a[i]!) === key(b[j]!)) {
      ops.push(op(" ", a[i++]!));
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!) {
      ops.push(op("-", a[i++]!));
    } else {
      ops.push(op("+", b[j++]!));
    }
  }
  while (i < n) ops.push(op("-", a[i++]!));
  while (j < m) ops.push(op("+", b[j++]!));
  return ops;
}

function hunks(ops: Op[]): string[][] {
  const changes = ops.flatMap((op, index) => (op.kind === " " ? [] : [index]));
  const result: string[][] = [];
  let k = 0;
  while (k < changes.length) {
    const start = Math.max(0, changes[k]! - context);
    let end = changes[k]!;
    // A change within twice the context of the previous one joins its hunk.
    while (k + 1 < changes.length && changes[k + 1]! - end <= 2 * context) end = changes[++k]!;
    end = Math.min(ops.length - 1, end + context);
    k++;
    let lineA = 1;
    let lineB = 1;
    for (const op of ops.slice(0, start)) {
      if (op.kind !== "+") lineA++;
      if (op.kind !== "-") lineB++;
    }
    const body = ops.slice(start, end + 1);
    const countA = body.filter((op) => op.kind !== "+").length;
    const countB = body.filter((op) => op.kind !== "-").length;
    const range = (first: number, count: number) => (count === 1 ? `${first}` : `${count === 0 ? first - 1 : first},${count}`);
    const hunk = [`@@ -${range(lineA, countA)} +${range(lineB, countB)} @@`];
    for (const op of body) {
      hunk.push(`${op.kind}${op.line}`);
      if (op.last) hunk.push("\\ No newline at end of file");
    }
    result.push(hunk);
  }
  return result;
}
