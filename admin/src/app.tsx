// The admin: providers, the router with every address (routes.tsx), and around the screens
// sign-in or the signed-in frame.
import { Router, type RouteSectionProps } from "@solidjs/router";
import { ErrorBoundary, Match, Show, Suspense, Switch, type ParentProps } from "solid-js";
import { SignIn } from "./features/sign-in/index.tsx";
import { routes } from "./routes.tsx";
import { SessionProvider, useSession } from "./session/index.tsx";
import { Shell } from "./shell/index.tsx";
import { UiProvider } from "./ui/feedback.tsx";
import { Empty, Loading } from "./ui/states.tsx";

export function App() {
  return (
    <UiProvider>
      <Router base="/admin" root={Root}>
        {routes}
      </Router>
    </UiProvider>
  );
}

/** Around every route: the session, then sign-in or the signed-in frame with the screen. */
function Root(props: RouteSectionProps) {
  return (
    <SessionProvider>
      <Screens>{props.children}</Screens>
    </SessionProvider>
  );
}

function Screens(props: ParentProps) {
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
        {/* A tenant switch starts every screen afresh. The router resets the boundary on navigation. */}
        <Show when={session.me().tenant.slug} keyed>
          <Shell>
            <Suspense fallback={<Loading />}>
              <ErrorBoundary fallback={(error, reset) => <ScreenError error={error} reset={reset} />}>{props.children}</ErrorBoundary>
            </Suspense>
          </Shell>
        </Show>
      </Match>
    </Switch>
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
