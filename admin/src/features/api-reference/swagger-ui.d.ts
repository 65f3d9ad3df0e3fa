// swagger-ui-dist ships no types; this is the part of its API the reference page uses.
declare module "swagger-ui-dist/swagger-ui-es-bundle.js" {
  interface SwaggerRequest {
    method?: string;
    headers: Record<string, string>;
  }
  interface SwaggerOptions {
    domNode: HTMLElement;
    url: string;
    deepLinking?: boolean;
    /** null: do not send the document to swagger.io's validator badge. */
    validatorUrl?: string | null;
    tryItOutEnabled?: boolean;
    showExtensions?: boolean;
    persistAuthorization?: boolean;
    requestInterceptor?: (request: SwaggerRequest) => SwaggerRequest;
  }
  export default function SwaggerUI(options: SwaggerOptions): unknown;
}
