/**
 * A local stand-in for Slack's Socket Mode WebSocket endpoint: a minimal RFC 6455 server (text, ping,
 * close; no extensions) that greets with `hello`, sends envelopes, and records what the app sends back.
 */
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";

export interface FakeSocketMode {
  /** The `wss://` URL stand-in that `apps.connections.open` hands out. */
  url: string;
  /** Resolves once the app has connected and been greeted. */
  connected: Promise<void>;
  send(envelope: Record<string, unknown>): void;
  /** Every JSON message the app sent (acks carry `envelope_id`). */
  received: Record<string, unknown>[];
  waitForAck(envelopeId: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

const GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const head =
    length < 126
      ? Buffer.from([0x80 | opcode, length])
      : length < 65536
        ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
        : Buffer.concat([
            Buffer.from([0x80 | opcode, 127]),
            (() => {
              const b = Buffer.alloc(8);
              b.writeBigUInt64BE(BigInt(length));
              return b;
            })(),
          ]);
  return Buffer.concat([head, payload]);
}

/** Reads complete client frames (always masked) off the front of `buffer`. */
function readFrames(buffer: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let offset = 0;
  while (buffer.length - offset >= 2) {
    const b0 = buffer[offset] as number;
    const b1 = buffer[offset + 1] as number;
    let length = b1 & 0x7f;
    let at = offset + 2;
    if (length === 126) {
      if (buffer.length < at + 2) break;
      length = buffer.readUInt16BE(at);
      at += 2;
    } else if (length === 127) {
      if (buffer.length < at + 8) break;
      length = Number(buffer.readBigUInt64BE(at));
      at += 8;
    }
    const masked = (b1 & 0x80) !== 0;
    const maskLength = masked ? 4 : 0;
    if (buffer.length < at + maskLength + length) break;
    const mask = buffer.subarray(at, at + maskLength);
    const payload = Buffer.from(buffer.subarray(at + maskLength, at + maskLength + length));
    if (masked)
      for (let i = 0; i < payload.length; i += 1)
        payload[i] = (payload[i] as number) ^ (mask[i % 4] as number);
    frames.push({ opcode: b0 & 0x0f, payload });
    offset = at + maskLength + length;
  }
  return { frames, rest: buffer.subarray(offset) };
}

export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  const received: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  let socket: Duplex | undefined;
  let onConnected: () => void = () => {};
  const connected = new Promise<void>((resolve) => {
    onConnected = resolve;
  });

  const server: Server = createServer((_req, res) => {
    res.writeHead(426);
    res.end();
  });
  server.on("upgrade", (req, sock: Duplex) => {
    const key = String(req.headers["sec-websocket-key"] ?? "");
    const accept = createHash("sha1")
      .update(key + GUID)
      .digest("base64");
    sock.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    socket = sock;
    let pending: Buffer = Buffer.alloc(0);
    sock.on("data", (chunk: Buffer) => {
      const { frames, rest } = readFrames(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const f of frames) {
        if (f.opcode === 0x1) {
          received.push(JSON.parse(f.payload.toString("utf8")) as Record<string, unknown>);
          for (const wake of waiters) wake();
        } else if (f.opcode === 0x9) {
          sock.write(frame(0xa, f.payload));
        } else if (f.opcode === 0x8) {
          sock.end(frame(0x8, f.payload));
        }
      }
    });
    sock.on("error", () => {});
    const hello = {
      type: "hello",
      num_connections: 1,
      debug_info: { host: "fake" },
      connection_info: { app_id: "A0FAKE" },
    };
    sock.write(frame(0x1, Buffer.from(JSON.stringify(hello))));
    onConnected();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;

  return {
    url: `ws://127.0.0.1:${port}/link`,
    connected,
    received,
    send(envelope) {
      if (!socket) throw new Error("the app is not connected");
      socket.write(frame(0x1, Buffer.from(JSON.stringify(envelope))));
    },
    waitForAck(envelopeId, timeoutMs = 10_000) {
      const find = () => received.find((m) => m.envelope_id === envelopeId);
      const found = find();
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const check = () => {
          const ack = find();
          if (!ack) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(ack);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`no ack for ${envelopeId}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
