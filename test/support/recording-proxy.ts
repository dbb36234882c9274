/**
 * A local forward proxy for transport tests: absolute-form HTTP requests are
 * forwarded with their bodies streamed, CONNECT opens a raw tunnel (for
 * HTTPS), and every request is recorded as `{ method, target }`.
 *
 * Tests must never send traffic off this machine, so the proxy answers 502
 * itself for any target that is not loopback instead of connecting to it.
 *
 * Header values are never recorded — a request through a proxy carries the
 * API token — only header names, so a test can check which headers the
 * proxy saw (e.g. that a CONNECT carried no Authorization).
 */
import { type IncomingMessage, type ServerResponse, createServer, request as httpRequest } from "node:http";
import { type AddressInfo, type Socket, connect } from "node:net";

export interface ProxiedRequest {
  /** "GET", "POST", "CONNECT" … */
  method: string;
  /** absolute URL for forwarded requests, "host:port" for CONNECT */
  target: string;
  /** lower-cased names of the headers the proxy received, values never kept */
  headerNames: string[];
  /** false when the proxy refused the target (not loopback) and answered 502 itself */
  forwarded: boolean;
}

export interface RecordingProxy {
  /** "http://127.0.0.1:<port>", the value for HTTP_PROXY / HTTPS_PROXY */
  url: string;
  requests: ProxiedRequest[];
  /** `${method} ${target}` per request, in order received */
  lines(): string[];
  stop(): Promise<void>;
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[?::1\]?)$/i;

/** Headers that describe one hop, not the request; a proxy must not pass them on. */
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "proxy-authorization", "proxy-authenticate", "te", "trailer", "upgrade"]);

export async function startRecordingProxy(): Promise<RecordingProxy> {
  const requests: ProxiedRequest[] = [];
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };

  const server = createServer((req, res) => forward(req, res, requests, track));
  server.on("connection", track);
  server.on("connect", (req: IncomingMessage, client: Socket, head: Buffer) => tunnel(req, client, head, requests, track));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    lines: () => requests.map((r) => `${r.method} ${r.target}`),
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

function forward(req: IncomingMessage, res: ServerResponse, requests: ProxiedRequest[], track: (s: Socket) => void): void {
  const method = req.method ?? "GET";
  const target = req.url ?? "";
  let url: URL | undefined;
  try {
    url = new URL(target);
  } catch {
    // origin-form ("/path"): a client talking to the proxy as if it were the server
  }
  const forwarded = url?.protocol === "http:" && LOOPBACK.test(url.hostname);
  requests.push({ method, target, headerNames: Object.keys(req.headers), forwarded });
  if (!url || !forwarded) {
    req.resume();
    res.writeHead(502, { "content-type": "text/plain; charset=utf-8" });
    res.end(`test proxy: will not forward ${method} to ${url ? url.host : "a non-absolute target"}`);
    return;
  }

  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && !HOP_BY_HOP.has(name)) headers[name] = value;
  }
  const upstream = httpRequest(
    { host: url.hostname.replace(/^\[|\]$/g, ""), port: url.port || 80, method, path: `${url.pathname}${url.search}`, headers },
    (reply) => {
      const replyHeaders: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(reply.headers)) {
        if (value !== undefined && !HOP_BY_HOP.has(name)) replyHeaders[name] = value;
      }
      res.writeHead(reply.statusCode ?? 502, replyHeaders);
      reply.pipe(res);
    },
  );
  upstream.on("socket", track);
  upstream.on("error", () => {
    // The target dropped the connection (a fault test): drop the client's too,
    // so it sees what it would have seen without the proxy.
    res.socket?.destroy();
  });
  req.pipe(upstream);
}

function tunnel(req: IncomingMessage, client: Socket, head: Buffer, requests: ProxiedRequest[], track: (s: Socket) => void): void {
  const target = req.url ?? "";
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
  const host = match?.[1]?.replace(/^\[|\]$/g, "");
  const forwarded = host !== undefined && LOOPBACK.test(host);
  requests.push({ method: "CONNECT", target, headerNames: Object.keys(req.headers), forwarded });
  if (!forwarded) {
    client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n");
    return;
  }
  let established = false;
  const upstream = connect({ host, port: Number(match![2]) }, () => {
    established = true;
    client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
    if (head.length) upstream.write(head);
    upstream.pipe(client);
    client.pipe(upstream);
  });
  track(upstream);
  // Like a real proxy: a target that cannot be reached is a 502 to the
  // CONNECT; once the tunnel is up, a drop on one side drops the other.
  upstream.on("error", () => (established ? client.destroy() : client.end("HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n")));
  client.on("error", () => upstream.destroy());
}
