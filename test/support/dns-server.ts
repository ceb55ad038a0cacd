// A real DNS server on a UDP port the test picks: answers TXT questions from a map the
// test changes (NXDOMAIN otherwise), so domain verification runs against DNS without
// the internet. Point the app at it with DNS_RESOLVERS=127.0.0.1:<port>.
import { createSocket, type Socket } from "node:dgram";
import { decode, encode, RECURSION_DESIRED, type Packet } from "dns-packet";

export interface TestDnsServer {
  port: number;
  address: string;
  /** TXT records by name (lower-case), one entry a record: a string, or the strings of one split record. */
  txt: Map<string, (string | string[])[]>;
  /** Every question name asked, in order. */
  asked: string[];
  close(): Promise<void>;
}

export async function startDnsServer(port = 0): Promise<TestDnsServer> {
  const socket: Socket = createSocket("udp4");
  const txt = new Map<string, (string | string[])[]>();
  const asked: string[] = [];
  socket.on("message", (msg, from) => {
    let query: Packet;
    try {
      query = decode(msg);
    } catch {
      return; // not DNS: no answer
    }
    const question = query.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    asked.push(name);
    const values = question.type === "TXT" ? txt.get(name) : undefined;
    const reply = encode({
      id: query.id,
      type: "response",
      flags: RECURSION_DESIRED | (values ? 0 : 3), // rcode 3: NXDOMAIN
      questions: [question],
      answers: (values ?? []).map((data) => ({ type: "TXT" as const, name: question.name, ttl: 1, class: "IN" as const, data })),
    });
    socket.send(reply, from.port, from.address);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(port, "127.0.0.1", () => resolve());
  });
  const bound = socket.address().port;
  return {
    port: bound,
    address: `127.0.0.1:${bound}`,
    txt,
    asked,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
