/**
 * A local SimBoard-compatible server for tests and the demo: the two
 * automated-ingestion routes of ../../shared/CONTRACT.md on a random loopback
 * port, recording every request it receives.
 *
 * Built on node:http (node:https with the `tls` option) rather than Bun.serve
 * because fault tests need to drop a connection without answering, and only a
 * raw socket can do that cleanly.
 * Bun's own multipart parser (`Request.formData()`) reads the uploads.
 */
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { type Role, authenticate, requireStateAccess } from "./simboard-server/auth.ts";
import { resolveMachine } from "./simboard-server/machines.ts";
import { type Reply, ReplyError, detail, missingField, validationFailed } from "./simboard-server/replies.ts";
import { type SourceType, Store } from "./simboard-server/store.ts";
import type { MemberType } from "./simboard-server/tar-reader.ts";
import { type UploadForm, handleUpload, listMembers } from "./simboard-server/upload.ts";

export interface ServerOptions {
  /** token → role; default { [DEFAULT_TOKEN]: "service_account" } */
  tokens?: Record<string, Role>;
  /** default true; false → POST from-hpc-upload answers 404 like a server without the route */
  hasHpcUploadRoute?: boolean;
  /** default true; false → /state omits discovery_results, like servers before HEAD */
  discoveryResults?: boolean;
  /** default "executions"; "simulations" as servers before HEAD name the 201 list */
  responseListName?: "executions" | "simulations";
  /** serve HTTPS with this certificate and key (PEM); `url` is then https:// */
  tls?: { cert: string; key: string };
}

/** A fixed, well-formed test token (`sbk_` + 43 url-safe characters). */
export const DEFAULT_TOKEN = "sbk_test0local0simboard0token0AAAAAAAAAAAAAAAAA";

export type { MemberType };

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  /** lower-cased names */
  headers: Record<string, string>;
  form?: {
    /** text parts in the order received; repeated fields stay repeated */
    fields: [string, string][];
    file?: {
      filename: string;
      contentType: string;
      size: number;
      /** tar members (names without trailing "/"); empty when the upload is not a readable tar.gz */
      members: { path: string; type: MemberType; size: number }[];
    };
  };
  /** status answered; 0 when the connection was reset */
  status: number;
}

export interface Fault {
  route: "state" | "upload";
  /** how many matching requests get this fault */
  times: number;
  status?: number;
  /** object → JSON; string → as-is (text/plain unless headers say otherwise) */
  body?: string | object;
  headers?: Record<string, string>;
  /** destroy the connection instead of answering */
  reset?: boolean;
  /** handle (and store) normally first, then answer with the fault: "stored but reply lost" */
  afterStore?: boolean;
  /** destroy the connection as soon as the first bytes of the request body arrive */
  resetMidBody?: boolean;
  /** read the request, then never answer (until the client gives up or the server stops) */
  hang?: boolean;
  /** read the request, wait this long, then handle it normally */
  delayMs?: number;
}

export interface SeedRow {
  machine: string;
  sourceType: SourceType;
  casePath: string;
  processedExecutionIds: string[];
}

export interface SimboardServer {
  /** "http://127.0.0.1:<port>" ("https://…" with the tls option), without /api/v1 */
  url: string;
  requests: RecordedRequest[];
  /** POST from-hpc-upload requests only */
  uploads(): RecordedRequest[];
  /** store an ingestion row as an earlier hpc_path/hpc_upload/browser_upload ingestion would have */
  seedIngestion(row: SeedRow): void;
  /** exactly the JSON body GET /state would return now (throws for an unknown machine) */
  stateFor(machine: string): unknown;
  injectFault(f: Fault): void;
  stop(): Promise<void>;
}

const PREFIX = "/api/v1/ingestions";
const ROUTES = { state: `${PREFIX}/state`, upload: `${PREFIX}/from-hpc-upload` } as const;

export async function startSimboardServer(opts: ServerOptions = {}): Promise<SimboardServer> {
  const tokens = opts.tokens ?? { [DEFAULT_TOKEN]: "service_account" };
  const hasUploadRoute = opts.hasHpcUploadRoute ?? true;
  const withDiscovery = opts.discoveryResults ?? true;
  const listName = opts.responseListName ?? "executions";
  const store = new Store();
  const requests: RecordedRequest[] = [];
  const faults: (Fault & { left: number })[] = [];

  const takeFault = (route: keyof typeof ROUTES): Fault | undefined => {
    const fault = faults.find((f) => f.route === route && f.left > 0);
    if (fault) fault.left -= 1;
    return fault;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const method = req.method ?? "GET";
    const headers = lowerHeaders(req);
    const record: RecordedRequest = { method, path: url.pathname, query: Object.fromEntries(url.searchParams), headers, status: 0 };
    requests.push(record);
    const isUpload = url.pathname === ROUTES.upload && hasUploadRoute;
    const route = url.pathname === ROUTES.state ? "state" : isUpload ? "upload" : undefined;
    const fault = route ? takeFault(route) : undefined;
    if (fault?.resetMidBody) {
      req.once("data", () => req.socket.destroy());
      return;
    }
    const body = await readBody(req);

    let form: UploadForm | undefined;
    if (isUpload && method === "POST") {
      form = await parseForm(headers, body);
      record.form = {
        fields: form.fields,
        ...(form.file
          ? { file: { filename: form.file.filename, contentType: form.file.contentType, size: form.file.bytes.length, members: listMembers(form.file.bytes) } }
          : {}),
      };
    }

    if (fault?.hang) return;
    if (fault?.delayMs) await Bun.sleep(fault.delayMs);
    let reply: Reply;
    if (fault && !fault.afterStore && !fault.delayMs) reply = faultReply(fault);
    else {
      reply = answer(method, url, headers, form);
      if (fault && !fault.delayMs) reply = faultReply(fault);
    }
    record.status = reply.reset ? 0 : reply.status;
    send(res, reply);
  };

  const answer = (method: string, url: URL, headers: Record<string, string>, form: UploadForm | undefined): Reply => {
    try {
      if (url.pathname === ROUTES.state) {
        if (method !== "GET") return methodNotAllowed("GET");
        const role = authenticate(headers.authorization, tokens);
        const machineName = url.searchParams.getAll("machine_name").at(-1);
        if (machineName === undefined) return validationFailed([missingField("query", "machine_name")]);
        requireStateAccess(role, "Only administrators and service accounts may read ingestion state.");
        const machine = resolveMachine(machineName);
        if (!machine) return detail(404, `Machine '${machineName}' not found.`);
        return { status: 200, body: store.state(machine, withDiscovery) };
      }
      if (url.pathname === ROUTES.upload && hasUploadRoute) {
        if (method !== "POST") return methodNotAllowed("POST");
        const role = authenticate(headers.authorization, tokens);
        return handleUpload(form ?? { fields: [] }, role, store, { responseListName: listName });
      }
      const known = url.pathname === `${ROUTES.state}/` || (hasUploadRoute && url.pathname === `${ROUTES.upload}/`);
      if (known) return { status: 307, headers: { location: url.pathname.slice(0, -1) + url.search } };
      return detail(404, "Not Found");
    } catch (err) {
      if (err instanceof ReplyError) return err.reply;
      throw err;
    }
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end(`local SimBoard server bug: ${String(err)}`);
    });
  };
  const server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, onRequest) : createServer(onRequest);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `${opts.tls ? "https" : "http"}://127.0.0.1:${port}`,
    requests,
    uploads: () => requests.filter((r) => r.method === "POST" && r.path === ROUTES.upload),
    seedIngestion(row) {
      const machine = resolveMachine(row.machine);
      if (!machine) throw new Error(`seedIngestion: unknown machine ${row.machine}`);
      store.rows.push({ machine, sourceType: row.sourceType, casePath: row.casePath.trim(), processedExecutionIds: [...row.processedExecutionIds] });
    },
    stateFor(machineName) {
      const machine = resolveMachine(machineName);
      if (!machine) throw new Error(`stateFor: unknown machine ${machineName}`);
      return store.state(machine, withDiscovery);
    },
    injectFault(f) {
      faults.push({ ...f, left: f.times });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const methodNotAllowed = (allow: string): Reply => ({ status: 405, body: { detail: "Method Not Allowed" }, headers: { allow } });

function faultReply(f: Fault): Reply {
  if (f.reset) return { status: 0, reset: true };
  const isText = typeof f.body === "string";
  return {
    status: f.status ?? 500,
    body: f.body,
    headers: { ...(isText ? { "content-type": "text/plain; charset=utf-8" } : {}), ...f.headers },
  };
}

function send(res: ServerResponse, reply: Reply): void {
  if (reply.reset) {
    res.socket?.destroy();
    return;
  }
  const headers: Record<string, string> = { ...reply.headers };
  let payload = "";
  if (typeof reply.body === "string") payload = reply.body;
  else if (reply.body !== undefined) {
    payload = JSON.stringify(reply.body);
    headers["content-type"] ??= "application/json";
  }
  res.writeHead(reply.status, headers);
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[name.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return out;
}

/** Multipart parsing by Bun's Request.formData(); anything unparsable is an empty form (FastAPI: fields missing). */
async function parseForm(headers: Record<string, string>, body: Buffer): Promise<UploadForm> {
  const form: UploadForm = { fields: [] };
  let data: Awaited<ReturnType<Response["formData"]>>;
  try {
    data = await new Response(body, { headers: { "content-type": headers["content-type"] ?? "" } }).formData();
  } catch {
    return form;
  }
  for (const [name, value] of data.entries()) {
    if (typeof value === "string") {
      form.fields.push([name, value]);
      if (name === "file" && !form.file) form.fileAsText ??= value;
    } else if (name === "file" && !form.file) {
      const blob = value as Blob & { name?: string };
      form.file = { filename: blob.name ?? "", contentType: blob.type, bytes: new Uint8Array(await blob.arrayBuffer()) };
      delete form.fileAsText;
    }
  }
  return form;
}
