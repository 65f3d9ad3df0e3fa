// Every address of the admin, in one place, under the router's base (/admin). Screens with
// Monaco load lazily, so signing in and the lists paint without waiting for it; hovering a
// link to one starts loading it.
import { Navigate, useParams, type RouteDefinition } from "@solidjs/router";
import { lazy, Show, type Component } from "solid-js";
import { DeadLetters } from "./features/dead-letters/index.tsx";
import { History } from "./features/history/index.tsx";
import { NotFound } from "./features/not-found/index.tsx";
import { ScriptsList } from "./features/scripts/index.tsx";
import { Secrets } from "./features/secrets/index.tsx";
import { NewScriptPage } from "./features/templates/index.tsx";

const ScriptPage = lazy(() => import("./features/editor/index.tsx").then((m) => ({ default: m.ScriptPage })));
const VersionsPage = lazy(() => import("./features/versions/index.tsx").then((m) => ({ default: m.VersionsPage })));
const ExecutionPage = lazy(() => import("./features/history/execution.tsx").then((m) => ({ default: m.ExecutionPage })));
// Swagger UI is as large as Monaco: only this page loads it.
const ApiReference = lazy(() => import("./features/api-reference/index.tsx").then((m) => ({ default: m.ApiReference })));

/**
 * A fresh screen for each :id. The router keeps a screen when only its params change; ours
 * read their id once and hold state for it (drafts, leave guards, a followed run), so going
 * from one execution to its re-run starts the page over.
 */
function perId(Page: Component & { preload?: () => Promise<unknown> }): Component & { preload?: () => Promise<unknown> } {
  const Keyed = () => {
    const params = useParams();
    return (
      <Show when={params.id} keyed>
        {(_id) => <Page />}
      </Show>
    );
  };
  return Object.assign(Keyed, { preload: Page.preload });
}

export const routes: RouteDefinition[] = [
  { path: "/", component: () => <Navigate href="/scripts" /> },
  { path: "/scripts", component: ScriptsList },
  { path: "/scripts/new", component: NewScriptPage },
  { path: "/scripts/:id", component: perId(ScriptPage) },
  { path: "/scripts/:id/versions", component: perId(VersionsPage) },
  { path: "/history", component: History },
  { path: "/history/:id", component: perId(ExecutionPage) },
  { path: "/dead-letters", component: DeadLetters },
  { path: "/secrets", component: Secrets },
  { path: "/api-reference", component: ApiReference },
  // Anything else, /admin/settings included until it exists.
  { path: "*", component: NotFound },
];
