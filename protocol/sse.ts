// Reads a server-sent event stream (text/event-stream) as its events arrive: `event:` and
// `data:` lines up to a blank line make one event; comment lines (": still running") are
// skipped. The one reader for the API's live streams (GET /admin/api/executions/:id/stream),
// wherever they are read: the admin, the tests, a client.

export interface ServerSentEvent {
  /** `message` when the block names none. */
  event: string;
  /** The `data:` lines, joined with newlines. */
  data: string;
}

/** Parses one block (the lines between blank lines); undefined for a block without data. */
function parseBlock(block: string): ServerSentEvent | undefined {
  let event = "message";
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line.startsWith("event:")) event = line.slice(6).trim();
    else if (line.startsWith("data:")) data.push(line.slice(line.startsWith("data: ") ? 6 : 5));
  }
  return data.length ? { event, data: data.join("\n") } : undefined;
}

/** The events of `body` in order; stopping early (break, return) releases the stream. */
export async function* serverSentEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<ServerSentEvent> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
      for (let split = buffer.indexOf("\n\n"); split >= 0; split = buffer.indexOf("\n\n")) {
        const parsed = parseBlock(buffer.slice(0, split));
        buffer = buffer.slice(split + 2);
        if (parsed) yield parsed;
      }
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
