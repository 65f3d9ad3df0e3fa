// Reading a token from stdin: typed at a terminal without echo (it is a secret), or the first
// line of whatever is piped in (`echo $TOKEN | iota login URL`).
import { createInterface } from "node:readline";
import { usage } from "./errors.ts";

type Input = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };

export async function readSecret(input: Input, prompt: string, stderr: NodeJS.WritableStream): Promise<string> {
  if (!input.isTTY || !input.setRawMode) return firstLine(input);
  stderr.write(prompt);
  input.setRawMode(true);
  input.resume();
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = "";
      const onData = (chunk: Buffer | string) => {
        for (const char of chunk.toString()) {
          if (char === "\r" || char === "\n") {
            input.off("data", onData);
            return resolve(typed);
          }
          if (char === "\u0003") {
            input.off("data", onData);
            return reject(usage("cancelled"));
          }
          typed = char === "\u007f" || char === "\b" ? typed.slice(0, -1) : typed + char;
        }
      };
      input.on("data", onData);
    });
  } finally {
    input.setRawMode(false);
    input.pause();
    stderr.write("\n");
  }
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  for await (const line of lines) {
    lines.close();
    return line;
  }
  return "";
}
