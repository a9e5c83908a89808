import { connect, type Socket } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type HealthServer, startHealthServer } from "./health-server.js";

let server: HealthServer | undefined;
const sockets: Socket[] = [];

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await server?.close();
  server = undefined;
});

async function start(limits = { headersTimeoutMs: 300, requestTimeoutMs: 600, maxConnections: 2 }) {
  server = await startHealthServer(0, limits, { ok: true, mode: "socket" });
  return `http://127.0.0.1:${server.port}`;
}

/** A raw connection, and a promise of when the server closes it (with what it sent). */
function open(port: number): Promise<{ socket: Socket; closed: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    sockets.push(socket);
    let received = "";
    socket.on("data", (d) => {
      received += d.toString();
    });
    const closed = new Promise<string>((done) => socket.on("close", () => done(received)));
    socket.once("connect", () => resolve({ socket, closed }));
    socket.once("error", reject);
  });
}

describe("the Socket Mode health server", () => {
  it("answers GET /healthz, and nothing else", async () => {
    const url = await start();
    const ok = await fetch(`${url}/healthz`);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true, mode: "socket" });
    expect((await fetch(`${url}/slack/events`, { method: "POST", body: "x".repeat(10_000) })).status).toBe(
      404,
    );
    expect((await fetch(`${url}/healthz`, { method: "POST", body: "{}" })).status).toBe(405);
    expect((await fetch(`${url}/healthz?probe=1`)).status).toBe(200);
  });

  it("closes a connection that never finishes its headers, after the headers timeout", async () => {
    await start();
    const { socket, closed } = await open(server!.port);
    socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n");
    const started = Date.now();
    const sent = await closed;
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(sent).not.toContain("200 OK");
  });

  it("closes connections past its cap as they arrive", async () => {
    await start({ headersTimeoutMs: 10_000, requestTimeoutMs: 20_000, maxConnections: 2 });
    await open(server!.port);
    await open(server!.port);
    const third = await open(server!.port);
    third.socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    expect(await third.closed).toBe("");
  });
});
