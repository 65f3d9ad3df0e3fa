// The admin: providers, then sign-in or the signed-in screens. Screens with Monaco load lazily,
// so signing in and the lists open fast.
import { createMemo, ErrorBoundary, lazy, Match, Show, Suspense, Switch, type Component } from "solid-js";
import { Dynamic } from "solid-js/web";
import { DeadLetters } from "./features/dead-letters/index.tsx";
import { History } from "./features/history/index.tsx";
import { ScriptsList } from "./features/scripts/index.tsx";
import { Secrets } from "./features/secrets/index.tsx";
import { SignIn } from "./features/sign-in/index.tsx";
import { Link, match, RouterProvider, useRouter } from "./router/index.tsx";
import { SessionProvider, useSession } from "./session/index.tsx";
import { Shell } from "./shell/index.tsx";
import { UiProvider, useUi } from "./ui/feedback.tsx";
import { Empty, Loading } from "./ui/states.tsx";

const ScriptPage = lazy(() => import("./features/editor/index.tsx").then((m) => ({ default: m.ScriptPage })));
const VersionsPage = lazy(() => import("./features/versions/index.tsx").then((m) => ({ default: m.VersionsPage })));
const ExecutionPage = lazy(() => import("./features/history/execution.tsx").then((m) => ({ default: m.ExecutionPage })));

export type RouteProps = { params: Record<string, string> };

const routes: [string, Component<RouteProps>][] = [
  ["/scripts", ScriptsList],
  ["/scripts/new", ScriptPage],
  ["/scripts/:id", ScriptPage],
  ["/scripts/:id/versions", VersionsPage],
  ["/history", History],
  ["/history/:id", ExecutionPage],
  ["/dead-letters", DeadLetters],
  ["/secrets", Secrets],
];

export function App() {
  return (
    <UiProvider>
      <WithRouter />
    </UiProvider>
  );
}

function WithRouter() {
  const ui = useUi();
  const confirmLeave = (reason: string) =>
    ui.confirm({ title: "Leave without saving?", body: reason, confirmLabel: "Discard changes", cancelLabel: "Keep editing", danger: true });
  return (
    <RouterProvider confirmLeave={confirmLeave}>
      <SessionProvider>
        <Screens />
      </SessionProvider>
    </RouterProvider>
  );
}

function Screens() {
  const session = useSession();
  return (
    <Switch>
      <Match when={session.status() === "loading"}>
        <Loading label="Opening your session…" />
      </Match>
      <Match when={session.status() === "switching"}>
        <Loading label="One moment…" />
      </Match>
      <Match when={session.status() === "signed-out"}>
        <SignIn />
      </Match>
      <Match when={session.status() === "signed-in"}>
        {/* A tenant switch starts every screen afresh. */}
        <Show when={session.me().tenant.slug} keyed>
          <Shell>
            <Routes />
          </Shell>
        </Show>
      </Match>
    </Switch>
  );
}

function Routes() {
  const router = useRouter();
  const path = createMemo(() => router.path());
  const found = createMemo(() => {
    const p = path();
    if (p === "/") {
      queueMicrotask(() => void router.navigate("/scripts", { replace: true }));
      return undefined;
    }
    for (const [pattern, component] of routes) {
      const params = match(pattern, p);
      if (params) return { component, params };
    }
    return null;
  });
  return (
    <Suspense fallback={<Loading />}>
      <Show when={found() !== null} fallback={<NotFound />}>
        <Show when={found()} keyed>
          {(f) => (
            <ErrorBoundary fallback={(error, reset) => <ScreenError error={error} reset={reset} />}>
              <Dynamic component={f.component} params={f.params} />
            </ErrorBoundary>
          )}
        </Show>
      </Show>
    </Suspense>
  );
}

/** A screen that broke: a newer admin on the server (its old files are gone), or a fault of ours. */
function ScreenError(props: { error: unknown; reset: () => void }) {
  const message = () => (props.error instanceof Error ? props.error.message : String(props.error));
  const updated = () => /dynamically imported module|Importing a module script failed|error loading dynamically/i.test(message());
  return (
    <div class="page">
      <Show
        when={!updated()}
        fallback={
          <Empty icon="refresh" title="A newer version of the admin is available">
            <p>The server was updated since this page opened. Reload to continue; your unsaved edits are kept in this tab.</p>
            <button type="button" class="btn btn-primary" onClick={() => location.reload()}>
              Reload
            </button>
          </Empty>
        }
      >
        <Empty icon="alert" title="This screen ran into a problem">
          <p>{message()}</p>
          <button type="button" class="btn" onClick={() => props.reset()}>
            Try again
          </button>
        </Empty>
      </Show>
    </div>
  );
}

function NotFound() {
  return (
    <div class="page">
      <Empty icon="alert" title="There is nothing at this address">
        <Link href="/scripts">Go to your scripts</Link>
      </Empty>
    </div>
  );
}
