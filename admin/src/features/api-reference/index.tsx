// The API reference: the OpenAPI document the server generates from the schemas it validates
// with (GET /admin/api/openapi.json), rendered by Swagger UI. This module is loaded only when the
// page is opened: the renderer is large, and the rest of the admin does not pay for it.
import { onMount } from "solid-js";
import SwaggerUI from "swagger-ui-dist/swagger-ui-es-bundle.js";
import "swagger-ui-dist/swagger-ui.css";
import { apiBase, callHeaders } from "../../api/client.ts";
import "./api-reference.css";

export function ApiReference() {
  let host!: HTMLDivElement;
  onMount(() => {
    SwaggerUI({
      domNode: host,
      url: `${apiBase}/openapi.json`,
      deepLinking: false,
      validatorUrl: null,
      // Shows each operation's x-iota-permission.
      showExtensions: true,
      // "Try it out" calls as the signed-in user, in the tenant the admin is working in.
      requestInterceptor: (request) => {
        // Fetching the document itself comes through here too, without a method.
        Object.assign(request.headers, callHeaders((request.method ?? "GET").toUpperCase()));
        return request;
      },
    });
  });
  return (
    <div class="page">
      <header class="page-head">
        <h1 class="page-title">API reference</h1>
        <span class="page-sub">
          Every call of the API, who may make it, and its answers; the same document is at <a href={`${apiBase}/openapi.json`}>{`${apiBase}/openapi.json`}</a>{" "}
          for generating clients
        </span>
      </header>
      <div class="api-reference" ref={host} />
    </div>
  );
}
