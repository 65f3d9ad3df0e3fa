// An address the admin has no screen for: say so, and offer the way back.
import { A } from "@solidjs/router";
import { Empty } from "../../ui/states.tsx";

export function NotFound() {
  return (
    <div class="page">
      <Empty icon="alert" title="There is nothing at this address">
        <A href="/scripts">Go to your scripts</A>
      </Empty>
    </div>
  );
}
