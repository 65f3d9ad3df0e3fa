// Every address of the admin, in one place, under the router's base (/admin). Screens with
// Monaco load lazily, so signing in and the lists paint without waiting for it; hovering a
// link to one starts loading it.
import { Navigate, useParams, type RouteDefinition } from "@solidjs/router";
import { lazy, Show, type Component } from "solid-js";
import type { Permission } from "../../protocol/roles.ts";
import { Alerts } from "./features/alerts/index.tsx";
import { DeadLetters } from "./features/dead-letters/index.tsx";
import { History } from "./features/history/index.tsx";
import { NotFound } from "./features/not-found/index.tsx";
import { ScriptsList } from "./features/scripts/index.tsx";
import { Secrets } from "./features/secrets/index.tsx";
import { NewScriptPage } from "./features/templates/index.tsx";
import { TenantSettingsPage } from "./features/tenant-settings/index.tsx";
import { Tokens } from "./features/tokens/index.tsx";
import { Usage } from "./features/usage/index.tsx";
import { Users } from "./features/users/index.tsx";
import { Forbidden } from "./features/not-found/forbidden.tsx";
import { useSession } from "./session/index.tsx";

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

/**
 * A screen for those whose role holds the permission; others are told so instead of meeting
 * the API's refusal (the navigation does not offer it to them either).
 */
function only(permission: Permission, what: string, Page: Component): Component {
  return () => {
    const session = useSession();
    return (
      <Show when={session.can(permission)} fallback={<Forbidden what={what} />}>
        <Page />
      </Show>
    );
  };
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
  { path: "/alerts", component: only("tokens.manage", "manage alerts", Alerts) },
  { path: "/usage", component: Usage },
  { path: "/tokens", component: only("tokens.manage", "manage API tokens", Tokens) },
  { path: "/users", component: only("users.manage", "manage users", Users) },
  { path: "/settings", component: only("tokens.manage", "change the tenant's settings", TenantSettingsPage) },
  { path: "/api-reference", component: ApiReference },
  // Anything else.
  { path: "*", component: NotFound },
];
