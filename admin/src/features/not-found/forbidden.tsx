// A screen the user's role may not use: say so, and who can help.
import { A } from "@solidjs/router";
import { useSession } from "../../session/index.tsx";
import { Empty } from "../../ui/states.tsx";

export function Forbidden(props: { what: string }) {
  const session = useSession();
  return (
    <div class="page">
      <Empty icon="key" title={`Your role (${session.me().role}) may not ${props.what}`}>
        <p>An owner of {session.me().tenant.slug} can give you a role that may.</p>
        <A href="/scripts">Go to your scripts</A>
      </Empty>
    </div>
  );
}
