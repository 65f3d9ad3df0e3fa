// Reads a server-sent event stream to its end, noting when each event arrived.

export interface SseEvent {
  event: string;
  data: any;
  at: number;
}

export async function readSse(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buffer = "";
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let split;
    while ((split = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, split);
      buffer = buffer.slice(split + 2);
      const data = block.split("\n").filter((l) => l.startsWith("data: ")).map((l) => l.slice(6)).join("\n");
      if (data) events.push({ event: /^event: (.*)$/m.exec(block)?.[1] ?? "message", data: JSON.parse(data), at: Date.now() });
    }
  }
  return events;
}
