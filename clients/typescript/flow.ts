// The client flow of issue #16, type-checked with `tsc --strict` against types generated
// from the committed documents: no type assertions, no `any`. scripts/clients.py runs it
// against a live example server:
//     node dist/flow.js <base-url> <username> <password> <read-key> <write-key>
import createClient from "openapi-fetch";
import type { paths as V1 } from "./generated/v1.js";
import type { paths as V2 } from "./generated/v2.js";

function check(condition: boolean, message: string): asserts condition {
  if (!condition) {
    throw new Error(`flow failed: ${message}`);
  }
}

async function main(): Promise<void> {
  const [baseUrl, username, password, readKey, writeKey] = process.argv.slice(2);
  check(
    baseUrl !== undefined &&
      username !== undefined &&
      password !== undefined &&
      readKey !== undefined &&
      writeKey !== undefined,
    "usage: flow.js <base-url> <username> <password> <read-key> <write-key>",
  );

  // Log in: a knox token.
  const anonymous = createClient<V2>({ baseUrl });
  const login = await anonymous.POST("/api/auth/login/", { body: { username, password } });
  check(login.data !== undefined, `login: ${login.response.status}`);
  const token: string = login.data.token;
  const api = createClient<V2>({ baseUrl, headers: { Authorization: `Token ${token}` } });

  // A project to file tasks in (a list row: ?fields= could trim it, so `id` is optional).
  const projects = await api.GET("/api/v2/projects/");
  check(projects.data !== undefined, "projects");
  const project = projects.data.results[0]?.id;
  check(project !== undefined, "a demo project");

  // Create with an Idempotency-Key, then replay it: the same response, marked replayed.
  const key = `flow-${Date.now()}`;
  const body = { project, title: "Filed by the TypeScript client" };
  const created = await api.POST("/api/v2/tasks/", {
    params: { header: { "Idempotency-Key": key } },
    body,
  });
  check(created.data !== undefined, `create: ${created.response.status}`);
  const task = created.data; // Task: every field required
  const taskId: number = task.id;
  const title: string = task.title;
  check(title === body.title, "the created title");
  const replay = await api.POST("/api/v2/tasks/", {
    params: { header: { "Idempotency-Key": key } },
    body,
  });
  check(replay.response.status === created.response.status, "replay status");
  check(JSON.stringify(replay.data) === JSON.stringify(task), "replay body");
  check(replay.response.headers.get("Idempotent-Replayed") === "true", "Idempotent-Replayed");

  // Page through the tasks following `next` (and the Link header beside it).
  let seen = 0;
  let count = -1;
  let page: number | undefined = 1;
  while (page !== undefined) {
    const current: number = page;
    const listing = await api.GET("/api/v2/tasks/", {
      params: { query: { page: current, page_size: 5 } },
    });
    check(listing.data !== undefined, `page ${current}`);
    count = listing.data.count;
    seen += listing.data.results.length;
    const next: string | null = listing.data.next;
    const link = listing.response.headers.get("Link") ?? "";
    check((next === null) === !link.includes('rel="next"'), "Link agrees with next");
    const number: string | null = next === null ? null : new URL(next).searchParams.get("page");
    page = number === null ? undefined : Number(number);
  }
  check(seen === count, `paged ${seen} of ${count}`);

  // ETag / If-Match: a PATCH with the current ETag, then a stale one is a 412.
  const read = await api.GET("/api/v2/tasks/{id}/", { params: { path: { id: taskId } } });
  const etag = read.response.headers.get("ETag");
  check(etag !== null, "ETag on a detail read");
  const patched = await api.PATCH("/api/v2/tasks/{id}/", {
    params: { path: { id: taskId }, header: { "If-Match": etag } },
    body: { title: "Renamed by the TypeScript client" },
  });
  check(patched.data !== undefined, `patch: ${patched.response.status}`);
  const newEtag = patched.response.headers.get("ETag");
  check(newEtag !== null && newEtag !== etag, "a new ETag after the PATCH");
  const stale = await api.PATCH("/api/v2/tasks/{id}/", {
    params: { path: { id: taskId }, header: { "If-Match": etag } },
    body: { title: "Lost update" },
  });
  check(stale.response.status === 412, `stale If-Match: ${stale.response.status}`);
  check(stale.error !== undefined && "current_etag" in stale.error, "a 412 problem");
  check(stale.error.current_etag === newEtag, "current_etag is the ETag to use");

  // A 400 names the invalid member with a JSON Pointer.
  const invalid = await api.POST("/api/v2/tasks/", { body: { project, title: "" } });
  check(invalid.response.status === 400, `invalid: ${invalid.response.status}`);
  const pointer = invalid.error?.errors?.[0]?.pointer;
  check(pointer === "#/title", `pointer ${pointer}`);

  // An integration's API key, and the RateLimit headers on what it gets.
  const integration = createClient<V2>({
    baseUrl,
    headers: { Authorization: `Api-Key ${readKey}` },
  });
  const keyed = await integration.GET("/api/v2/tasks/", { params: { query: { page_size: 1 } } });
  check(keyed.data !== undefined, `API key: ${keyed.response.status}`);
  check(keyed.response.headers.get("RateLimit") !== null, "RateLimit");
  check(keyed.response.headers.get("RateLimit-Policy") !== null, "RateLimit-Policy");
  const writer = createClient<V2>({ baseUrl, headers: { Authorization: `Api-Key ${writeKey}` } });
  const forbidden = await writer.DELETE("/api/v2/projects/{id}/", {
    params: { path: { id: project } },
  });
  check(forbidden.response.status === 403, `write key deletes a project: ${forbidden.response.status}`);

  // v1, deprecated: its own types, and the Deprecation header.
  const v1 = createClient<V1>({ baseUrl, headers: { Authorization: `Token ${token}` } });
  const old = await v1.GET("/api/v1/tasks/{id}/", { params: { path: { id: taskId } } });
  check(old.data !== undefined, "v1 read");
  const done: boolean | undefined = old.data.done;
  check(done === false, "v1 has done");
  check(old.response.headers.get("Deprecation") !== null, "Deprecation on v1");

  console.log(`typescript flow: ok (task ${taskId}, ${count} tasks paged)`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
