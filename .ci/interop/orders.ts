// Types that openapi-typescript made from the served document, used as an integrator's code
// would; `tsc --strict` must accept this file. The `@ts-expect-error` lines must fail to
// type-check: if the document grew loose (any field name, any sort), they would fail the build.
import type { components, paths } from "./schema.js";

type ListOperation = paths["/order-tracking/b2b/v1/orders"]["get"];
type ListQuery = NonNullable<ListOperation["parameters"]["query"]>;
type ListAnswer = ListOperation["responses"][200]["content"]["application/json"];
type DetailOperation = paths["/order-tracking/b2b/v1/orders/{orderId}"]["get"];
type Order = components["schemas"]["Order"];
type Token = paths["/oauth/v3/token"]["post"]["responses"][200]["content"]["application/json"];

const query: ListQuery = {
  fields: ["status", "site"],
  sort: "-orderDate,id",
  offset: 20,
  limit: 10,
  status: ["Current", "Closed"],
  "orderDate.gte": "2026-01-01",
  filters: { "site.address.country.ne": "FR" },
  dateFilters: { "appointments.start.lt": "2026-06-01T08:00:00Z" },
};

// @ts-expect-error: a field the API does not have
const unknownField: ListQuery = { fields: ["colour"] };

// @ts-expect-error: a page size is a number
const textLimit: ListQuery = { limit: "ten" };

const detail: DetailOperation["parameters"] = {
  path: { orderId: "ORD-1" },
  header: { "If-None-Match": 'W/"abc"' },
};

function firstSite(answer: ListAnswer): string | undefined {
  const first = answer[0];
  return first !== undefined && "site" in first && first.site ? (first.site.id ?? undefined) : undefined;
}

function statusOf(order: Order): Order["status"] {
  return order.status;
}

function bearer(token: Token): string {
  return `${token.token_type} ${token.access_token}`;
}

export { bearer, detail, firstSite, query, statusOf, textLimit, unknownField };
