// docs/api.md's client example, run by tests/openapi.rs: `openapi-typescript`
// writes ./api.d.ts from the document the app serves, `tsc --strict` checks
// this journey against it, and node runs it against the app at argv[2].
import createClient from "openapi-fetch";
import type { paths } from "./api";

// Node's, declared here rather than installing its types.
declare const process: { argv: string[]; exit(code: number): never };

const base = process.argv[2];
const client = createClient<paths>({ baseUrl: base });

async function main(): Promise<void> {
  const email = `ts-${Date.now()}@example.com`;
  const registered = await client.POST("/api/auth/register", { body: { email, password: "a long password" } });
  if (!registered.data) throw new Error(`register: ${registered.response.status} ${JSON.stringify(registered.error)}`);
  const headers = { Authorization: `Bearer ${registered.data.access_token}` };
  const workspace = await client.POST("/api/workspaces", { headers, body: { name: "Typed Shop" } });
  if (!workspace.data) throw new Error(`workspace: ${workspace.response.status}`);
  const workspace_id: string = workspace.data.id;
  const contact = await client.POST("/api/workspaces/{workspace_id}/contacts", {
    headers,
    params: { path: { workspace_id } },
    body: { first_name: "Ada", email: "ada@example.com", tags: ["vip"] },
  });
  if (!contact.data) throw new Error(`contact: ${contact.response.status}`);
  const listed = await client.GET("/api/workspaces/{workspace_id}/contacts", {
    headers,
    params: { path: { workspace_id }, query: { limit: 10 } },
  });
  if (!listed.data) throw new Error(`list: ${listed.response.status}`);
  const refused = await client.POST("/api/workspaces/{workspace_id}/contacts", {
    headers,
    params: { path: { workspace_id } },
    body: { first_name: "Bob", lead_score: 500 },
  });
  console.log(JSON.stringify({
    workspace: workspace.data.slug,
    contact: contact.data.first_name,
    total: listed.data.total,
    refused: [refused.response.status, refused.error?.error.field],
  }));
}

main().catch((e) => { console.error(String(e)); process.exit(1); });
