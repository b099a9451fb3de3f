// Starts Swagger UI on the desk's own OpenAPI document; a file, not an inline script, so
// the page keeps the desk's CSP. No validator: it would send the document to a third party.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    validatorUrl: null,
    deepLinking: true,
  });
});
