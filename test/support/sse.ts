// Reads a server-sent event stream to its end, noting when each event arrived. The parsing is
// the product's own (protocol/sse.ts), as the admin reads the stream.
import { serverSentEvents } from "../../protocol/sse.ts";

export interface SseEvent {
  event: string;
  data: any;
  at: number;
}

export async function readSse(response: Response): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for await (const { event, data } of serverSentEvents(response.body!)) events.push({ event, data: JSON.parse(data), at: Date.now() });
  return events;
}
