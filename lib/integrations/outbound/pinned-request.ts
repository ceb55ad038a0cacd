// One HTTP exchange over node:http/https, connected only to addresses the SSRF guard
// checked (a custom `lookup` hands them back instead of asking DNS again), with a connect
// timeout, a deadline for the whole response and a cap on the body. No redirects are
// followed (node:http never does) and no connection is reused: a pooled socket could
// have been opened under other rules.
import http, { type IncomingHttpHeaders } from "node:http";
import https from "node:https";
import type { LookupAddress, LookupOptions } from "node:dns";
import type { Socket } from "node:net";
import { OutboundError, OutboundTimeoutError, ResponseTooLargeError } from "./errors";
import type { ResolvedAddress } from "./ssrf-guard";

export const MAX_BODY_BYTES = 5 * 1024 * 1024;
/** A TCP (and TLS) handshake that takes longer than this is not going to work. */
const MAX_CONNECT_MS = 5_000;

export interface PinnedRequestInit {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  addresses: ResolvedAddress[];
  timeoutMs: number;
  maxBodyBytes?: number;
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** A `lookup` that answers with the checked addresses only, whatever is asked. */
function pinnedLookup(addresses: ResolvedAddress[]) {
  return (_hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
    if (wanted.length === 0) {
      callback(Object.assign(new Error("no checked address of the requested family"), { code: "ENOTFOUND" }), "");
      return;
    }
    // Happy eyeballs (autoSelectFamily, on by default in Node 20) asks for all of them.
    if (options.all)
      callback(
        null,
        wanted.map((a) => ({ address: a.address, family: a.family })),
      );
    else callback(null, wanted[0]!.address, wanted[0]!.family);
  };
}

export function pinnedRequest(init: PinnedRequestInit): Promise<RawResponse> {
  const maxBytes = init.maxBodyBytes ?? MAX_BODY_BYTES;
  const connectMs = Math.min(init.timeoutMs, MAX_CONNECT_MS);
  const isHttps = init.url.protocol === "https:";
  const hostname = init.url.hostname.startsWith("[") ? init.url.hostname.slice(1, -1) : init.url.hostname;

  return new Promise<RawResponse>((resolve, reject) => {
    let settled = false;
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    const finish = (result: { error: OutboundError } | { response: RawResponse }) => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      clearTimeout(connectTimer);
      if ("error" in result) {
        req.destroy();
        reject(result.error);
      } else resolve(result.response);
    };
    const fail = (error: OutboundError) => finish({ error });

    const req = (isHttps ? https : http).request({
      protocol: init.url.protocol,
      hostname,
      port: init.url.port || undefined,
      path: `${init.url.pathname}${init.url.search}`,
      method: init.method,
      headers: init.headers,
      agent: false,
      lookup: pinnedLookup(init.addresses),
    });

    const deadline = setTimeout(() => fail(new OutboundTimeoutError("response", init.timeoutMs)), init.timeoutMs);

    req.on("socket", (socket: Socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(() => fail(new OutboundTimeoutError("connect", connectMs)), connectMs);
      socket.once(isHttps ? "secureConnect" : "connect", () => clearTimeout(connectTimer));
    });

    req.on("error", (err: NodeJS.ErrnoException) => {
      fail(new OutboundError(`network error: ${err.code ?? err.message}`, { reason: "network", retriable: true, cause: err }));
    });

    req.on("response", (res) => {
      const declared = Number(res.headers["content-length"]);
      if (Number.isFinite(declared) && declared > maxBytes) {
        fail(new ResponseTooLargeError(maxBytes));
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) fail(new ResponseTooLargeError(maxBytes));
        else chunks.push(chunk);
      });
      res.on("error", (err: NodeJS.ErrnoException) => {
        fail(new OutboundError(`network error while reading the response: ${err.code ?? err.message}`, { reason: "network", retriable: true, cause: err }));
      });
      res.on("aborted", () => fail(new OutboundError("network error: the response was cut off", { reason: "network", retriable: true })));
      res.on("end", () => finish({ response: { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks, size) } }));
    });

    req.end(init.body);
  });
}
