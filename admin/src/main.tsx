import { render } from "solid-js/web";
// The shared styles first, so each screen's own styles can refine them.
import "./styles/base.css";
import { App } from "./app.tsx";

render(() => <App />, document.getElementById("root")!);
