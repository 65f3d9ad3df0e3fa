// The two calls the panel makes: try a draft on recent runs, and read a trial back.
import type * as z from "zod";
import type { Trial, tryRequest } from "../../../../protocol/schemas/try.ts";
import { request } from "../../api/client.ts";

export type { Trial, TrialRun } from "../../../../protocol/schemas/try.ts";
export type TryRequest = z.input<typeof tryRequest>;

export const tryDraft = (scriptId: string, body: TryRequest) => request<Trial>("POST", `/scripts/${encodeURIComponent(scriptId)}/try`, body);

export const trial = (scriptId: string, trialId: string) =>
  request<Trial>("GET", `/scripts/${encodeURIComponent(scriptId)}/trials/${encodeURIComponent(trialId)}`);
