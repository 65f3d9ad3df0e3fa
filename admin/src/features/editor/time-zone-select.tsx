// A time zone picked from the zones this browser knows, in their canonical spelling, so a zone
// is never stored as typed ("europe/berlin"). A saved zone the list lacks stays choosable.
import { For, Show } from "solid-js";

const zones: readonly string[] = (() => {
  try {
    const known = Intl.supportedValuesOf("timeZone");
    // Chromium lists UTC only as Etc/UTC aliases, if at all; it is the server's default.
    return known.includes("UTC") ? known : ["UTC", ...known];
  } catch {
    return ["UTC"];
  }
})();

export function TimeZoneSelect(props: { id: string; value: string; describedBy?: string; invalid?: boolean; onChange: (zone: string) => void }) {
  const unknown = () => !!props.value && !zones.includes(props.value);
  return (
    <select
      id={props.id}
      class="select"
      value={props.value}
      aria-describedby={props.describedBy}
      aria-invalid={props.invalid}
      onChange={(e) => props.onChange(e.currentTarget.value)}
    >
      <Show when={unknown()}>
        <option value={props.value} selected>
          {props.value} (as saved)
        </option>
      </Show>
      <For each={zones}>
        {(zone) => (
          <option value={zone} selected={zone === props.value}>
            {zone.replaceAll("_", " ")}
          </option>
        )}
      </For>
    </select>
  );
}
