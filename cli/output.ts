// What a command prints. Results go to stdout (JSON with --json, text otherwise); notes, logs
// and progress go to stderr, so `iota run x > out.json` and `iota pull --json | jq` stay clean.
// The progress bar is drawn only on a terminal: CI logs get no carriage-return noise.

export interface Streams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

export interface Progress {
  /** One more item done; `label` says which. */
  tick(label?: string): void;
  done(): void;
}

export class Output {
  readonly json: boolean;
  readonly #streams: Streams;

  constructor(json: boolean, streams: Streams = process) {
    this.json = json;
    this.#streams = streams;
  }

  /** The command's result: `data` as JSON for machines, or the text `human` makes. */
  result(data: unknown, human: () => string | undefined): void {
    if (this.json) {
      this.#streams.stdout.write(`${JSON.stringify(data, null, 2)}\n`);
      return;
    }
    const text = human();
    if (text) this.#streams.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }

  /** A line of the result as it happens (a streamed log line, an NDJSON record). */
  line(text: string): void {
    this.#streams.stdout.write(`${text}\n`);
  }

  /** A note for people, on stderr; left out with --json, whose stdout says it all. */
  note(text: string): void {
    if (!this.json) this.#streams.stderr.write(`${text}\n`);
  }

  progress(total: number, what: string): Progress {
    const stderr = this.#streams.stderr;
    // Below a handful the work is over before a bar is worth reading.
    if (!stderr.isTTY || total < 5) return { tick() {}, done() {} };
    let count = 0;
    // A terminal that does not say its width (0 under some multiplexers) gets the classic 80.
    const width = () => (stderr.columns || 80) - 1;
    const draw = (label: string) => {
      const bar = 24;
      const filled = Math.round((count / total) * bar);
      const line = `${what} [${"#".repeat(filled)}${"-".repeat(bar - filled)}] ${count}/${total} ${label}`;
      stderr.write(`\r${line.slice(0, width()).padEnd(width())}`);
    };
    draw("");
    return {
      tick(label = "") {
        count++;
        draw(label);
      },
      done() {
        stderr.write(`\r${" ".repeat(width())}\r`);
      },
    };
  }
}
