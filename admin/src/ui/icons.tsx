// Line icons drawn on a 16-unit grid, sized by the font (1em) and coloured by currentColor.
import { Show, type JSX } from "solid-js";

const paths = {
  code: "M5.5 4.5 2 8l3.5 3.5M10.5 4.5 14 8l-3.5 3.5",
  history: "M2.5 8a5.5 5.5 0 1 0 1.6-3.9M2.5 2.5v2.5H5M8 5v3.2l2 1.3",
  inbox: "M2 9.5 3.8 3.5h8.4L14 9.5v3h-12zM2 9.5h3.5l.8 1.5h3.4l.8-1.5H14",
  key: "M10 2.5a3.5 3.5 0 1 1-2.9 5.4L2.5 12.5v1.5h2v-1.5H6V11h1.3l.9-.9M11 5.5h.01",
  plus: "M8 3v10M3 8h10",
  play: "M4.5 2.8v10.4L13 8z",
  search: "M7 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10zM10.6 10.6 14 14",
  logout: "M6 2.5H3v11h3M10.5 5 13.5 8l-3 3M13.5 8H6",
  chevron: "M4.5 6.5 8 10l3.5-3.5",
  copy: "M5.5 5.5v-3h8v8h-3M2.5 5.5h8v8h-8z",
  check: "M3 8.5 6.5 12 13 4.5",
  x: "M4 4l8 8M12 4l-8 8",
  rollback: "M3 6.5h6.5a3.5 3.5 0 0 1 0 7H6M5.5 4 3 6.5 5.5 9",
  diff: "M5 2.5v7M2 6h6M8.5 13h5.5M11 2.5v.01",
  refresh: "M13.5 8a5.5 5.5 0 1 1-1.6-3.9M13.5 2.5V5H11",
  save: "M3 2.5h8l2.5 2.5v8.5h-11zM5 2.5v3.5h5V2.5M5 13.5v-4h6v4",
  alert: "M8 2 14.5 13.5h-13zM8 6.5v3.2M8 11.6v.01",
  external: "M9.5 2.5h4v4M13.5 2.5 7.5 8.5M12 9.5v4H2.5V4h4",
  trash: "M2.5 4.5h11M6 4.5V2.5h4v2M4 4.5l.7 9h6.6l.7-9",
  tenant: "M2.5 13.5V4l5-2 5 2v9.5M6 13.5v-3h3v3M5 6.5h.01M8 6.5h.01M11 6.5h.01",
  chart: "M2.5 13.5h11M4.5 11V7.5M8 11V4M11.5 11V6",
  bell: "M4 11.5V7a4 4 0 0 1 8 0v4.5l1 1.5H3zM6.5 13.5a1.5 1.5 0 0 0 3 0",
  token: "M3 5.5h10v5H3zM5.5 8h.01M8 8h.01M10.5 8h.01",
  users: "M6 7.5a2.5 2.5 0 1 0 0-5 2.5 2.5 0 0 0 0 5zM1.5 13.5c0-2.5 2-4 4.5-4s4.5 1.5 4.5 4M10.5 2.7a2.5 2.5 0 0 1 0 4.6M12 9.7c1.5.5 2.5 1.8 2.5 3.8",
  settings: "M8 10a2 2 0 1 0 0-4 2 2 0 0 0 0 4zM8 1.5v2M8 12.5v2M1.5 8h2M12.5 8h2M3.4 3.4l1.4 1.4M11.2 11.2l1.4 1.4M3.4 12.6l1.4-1.4M11.2 4.8l1.4-1.4",
  book: "M8 4.5C6.5 3.2 4.5 2.8 2.5 3v9.5c2-.2 4 .2 5.5 1.5 1.5-1.3 3.5-1.7 5.5-1.5V3c-2-.2-4 .2-5.5 1.5zM8 4.5V14",
} as const;

export type IconName = keyof typeof paths;

const drawing = {
  viewBox: "0 0 16 16",
  width: "1em",
  height: "1em",
  fill: "none",
  stroke: "currentColor",
  "stroke-width": "1.5",
  "stroke-linecap": "round",
  "stroke-linejoin": "round",
} as const;

/** Decorative beside its text (hidden from screen readers), or an image named by `title`. */
export function Icon(props: { name: IconName; class?: string; title?: string } & JSX.SvgSVGAttributes<SVGSVGElement>) {
  return (
    <Show
      when={props.title}
      fallback={
        <svg class={`icon ${props.class ?? ""}`} {...drawing} aria-hidden="true">
          <path d={paths[props.name]} />
        </svg>
      }
    >
      {(title) => (
        <svg class={`icon ${props.class ?? ""}`} {...drawing} role="img">
          <title>{title()}</title>
          <path d={paths[props.name]} />
        </svg>
      )}
    </Show>
  );
}
