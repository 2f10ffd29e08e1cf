// A real socket.io server (v2 = Engine.IO 3, as the vendor runs; or v4 = Engine.IO 4) that
// also serves the vendor's HTTP login APIs, for the connector's conformance and fault tests.
//
//   node server.js <2|4|4e3> <port, 0 = any> [pingIntervalMs] [pingTimeoutMs]
//
// Prints one line `{"port": N}` when listening. Tests drive it over HTTP:
//   POST /control/config  {servers, tokenTtl, loginFault, reject, snapshots, keepaliveError}
//   POST /control/call    {ext, ivrid}   a call starts ringing on an extension (NEWCALL)
//   POST /control/hangup  {ext, ivrid}   it ends (HANGUP)
//   POST /control/emit    {name, payload} broadcast any event
//   POST /control/burst   {count}        pre-encoded ExtensionEvents as fast as possible
//   POST /control/drop                   close every client connection
//   GET  /control/stats                  counters
// Login (legacy): POST /monitorAPI/Login/{User,Account,Token}; refresh: POST /monitorAPI/Refresh
// Login (identity): POST /identity/login, GET /identity/settings, POST /identity/refresh
"use strict";

const http = require("http");

// "4e3" = socket.io@4 with allowEIO3 (a server in the middle of an upgrade).
const version = process.argv[2] === "2" ? 2 : 4;
const allowEIO3 = process.argv[2] === "4e3";
const port = Number(process.argv[3] || 0);
const pingInterval = Number(process.argv[4] || 25000);
const pingTimeout = Number(process.argv[5] || 5000);

const cfg = {
  servers: [],
  tokenTtl: 3600,
  loginFault: null, // "401" | "500" | "hang"
  reject: "disconnect", // how a bad socket token is refused: "disconnect" | "error"
  snapshots: true, // send loginStatus/AllExtensionsStatus on connect (else only on resync)
  keepaliveError: 0,
  refuseAll: false, // the socket refuses even freshly issued tokens
};
const CREDENTIALS = {
  User: (b) => b.email === "lead@acme.test" && b.password === "s3cret-pass",
  Account: (b) => b.username === "acme" && b.password === "s3cret-pass",
  Token: (b) => b.token === "vendor-issued-token",
};
const tokens = new Map(); // socket token -> expiry (epoch s)
const refreshTokens = new Set();
const stats = {
  logins: 0, refreshes: 0, connections: 0, rejected: 0, keepalives: 0, resyncs: 0, connected: 0,
  keepalivesWithOwnToken: 0, resyncsNoCache: 0,
};
let serial = 0;

const now = () => Math.floor(Date.now() / 1000);

// The floor: two queues and three extensions; calls live on extensions.
const queues = [
  { QueueID: 501, QueueName: "Sales", Calls: [] },
  { QueueID: 502, QueueName: "Support", Calls: [] },
];
const extensions = [101, 102, 103].map((n) => ({
  number: n,
  extenUser: `SIP${n}`,
  userID: 9000 + n,
  userName: `Agent ${n}`,
  summery: { representative: `Agent ${n}` },
  onlineUserID: 9000 + n,
  representative: 9000 + n,
  representativeStatus: 1,
  representativeUpdated: Date.now(),
  lastHangupCallEpoch: 0,
  peerStatus: "OK",
  calls: [],
}));

function issue() {
  serial += 1;
  const token = `sock-${serial}-${Math.random().toString(36).slice(2)}`;
  const refresh = `ref-${serial}-${Math.random().toString(36).slice(2)}`;
  const expiry = now() + cfg.tokenTtl;
  tokens.set(token, expiry);
  refreshTokens.add(refresh);
  return { token, refresh, expiry };
}

function legacyReply(t) {
  return {
    Status: 1,
    Data: {
      Socket: {
        Token: t.token,
        TokenExpiry: t.expiry,
        RefreshToken: t.refresh,
        URL: cfg.servers[0],
        URLList: cfg.servers,
        Version: "1.0",
      },
    },
  };
}

function send(res, status, body) {
  res.writeHead(status, { "Content-Type": "application/json" });
  res.end(typeof body === "string" ? body : JSON.stringify(body));
}

function bearer(req) {
  const h = req.headers.authorization || "";
  return h.startsWith("Bearer ") ? h.slice(7) : "";
}

function loginFault(res) {
  if (cfg.loginFault === "401") return send(res, 401, { ErrorMessage: "Invalid credentials" }), true;
  if (cfg.loginFault === "500") return send(res, 500, { ErrorMessage: "Server error" }), true;
  if (cfg.loginFault === "hang") return true; // never answer
  return false;
}

function snapshots(target) {
  const t = now();
  target.emit("loginStatus", { servertime: t, queues, errorCode: 0 });
  target.emit("AllExtensionsStatus", { servertime: t, extensions, errorCode: 0 });
}

function extensionEvent(ext, reason, call) {
  return {
    data: {
      eventName: "extension", reason, servertime: now(), servertimeoffset: 180,
      ...ext, currentCall: call,
    },
  };
}

let io;
function route(req, res, body) {
  const url = new URL(req.url, "http://x");
  const p = url.pathname;
  let b = {};
  try { b = body ? JSON.parse(body) : {}; } catch (e) { return send(res, 500, "Unexpected token in JSON"); }
  const m = p.match(/^\/monitorAPI\/Login\/(User|Account|Token)$/);
  if (m && req.method === "POST") {
    if (loginFault(res)) return;
    if (!CREDENTIALS[m[1]](b)) return send(res, 401, { ErrorMessage: "Invalid credentials" });
    stats.logins += 1;
    return send(res, 200, legacyReply(issue()));
  }
  if (p === "/monitorAPI/Refresh" && req.method === "POST") {
    if (loginFault(res)) return;
    if (!refreshTokens.has(bearer(req))) return send(res, 401, { ErrorMessage: "bad refresh" });
    refreshTokens.delete(bearer(req));
    stats.refreshes += 1;
    return send(res, 200, legacyReply(issue()));
  }
  if (p === "/identity/login" && req.method === "POST") {
    if (loginFault(res)) return;
    const kind = { user: "User", account: "Account", token: "Token" }[b.identityType];
    const creds = kind === "User" ? { email: b.username, password: b.password } : b;
    if (!kind || !CREDENTIALS[kind](creds)) return send(res, 401, { ErrorMessage: "Invalid" });
    stats.logins += 1;
    const t = issue();
    return send(res, 200, {
      Data: { AccessToken: t.token, RefreshToken: t.refresh, TokenExpiry: t.expiry },
    });
  }
  if (p === "/identity/refresh" && req.method === "POST") {
    if (loginFault(res)) return;
    if (!refreshTokens.has(bearer(req))) return send(res, 401, { ErrorMessage: "bad refresh" });
    refreshTokens.delete(bearer(req));
    stats.refreshes += 1;
    const t = issue();
    return send(res, 200, {
      Data: { AccessToken: t.token, RefreshToken: t.refresh, TokenExpiry: t.expiry },
    });
  }
  if (p === "/identity/settings" && req.method === "GET") {
    if (!tokens.has(bearer(req))) return send(res, 401, { ErrorMessage: "bad token" });
    // Priorities given in reverse of the list order: the client must sort them.
    const list = cfg.servers.map((d, i) => ({ Domain: d, Priority: i + 1 })).reverse();
    return send(res, 200, { Data: { MonitorList: list } });
  }
  if (p === "/control/config") { Object.assign(cfg, b); return send(res, 200, cfg); }
  if (p === "/control/stats") {
    return send(res, 200, { ...stats, version, connected: Object.keys(sockets()).length });
  }
  if (p === "/control/floor") return send(res, 200, { queues, extensions });
  if (p === "/control/call" || p === "/control/hangup") {
    const ext = extensions.find((e) => e.number === b.ext);
    if (!ext) return send(res, 404, { error: "no such extension" });
    let call;
    if (p === "/control/call") {
      call = {
        ivrid: b.ivrid, direction: "Incoming", callstatus: "Ringing", callStarted: now(),
        callAnswered: 0, answered: 0, callerphone: "0501234567", callername: "Caller", did: "035551234",
      };
      ext.calls.push(call);
    } else {
      call = ext.calls.find((c) => c.ivrid === b.ivrid);
      ext.calls = ext.calls.filter((c) => c.ivrid !== b.ivrid);
    }
    if (!b.silent) {
      io.emit("ExtensionEvent", extensionEvent(ext, p === "/control/call" ? "NEWCALL" : "HANGUP", call));
    }
    return send(res, 200, { ok: true });
  }
  if (p === "/control/emit") { io.emit(b.name, b.payload); return send(res, 200, { ok: true }); }
  if (p === "/control/drop") {
    for (const s of Object.values(sockets())) s.conn.close();
    return send(res, 200, { ok: true });
  }
  if (p === "/control/burst") {
    const ext = { ...extensions[0], calls: [] };
    const call = {
      ivrid: "burst", direction: "Incoming", callstatus: "Talking", callStarted: now(),
      callAnswered: now(), answered: 1, callerphone: "0501234567", callername: "Caller",
      did: "035551234", recording: { Filename: "x.mp3", IsMuted: 0 }, customdata: {},
    };
    ext.calls = [call];
    const frame = "2" + JSON.stringify(["ExtensionEvent", extensionEvent(ext, "ANSWER", call)]);
    const count = b.count || 1000;
    const targets = Object.values(sockets());
    let sent = 0;
    // Write in slices so the event loop can flush; engine.io frames each message itself.
    const slice = () => {
      const n = Math.min(2000, count - sent);
      for (let i = 0; i < n; i++) for (const s of targets) s.conn.write(frame);
      sent += n;
      if (sent < count) setImmediate(slice);
      else for (const s of targets) s.emit("benchDone", { count });
    };
    slice();
    return send(res, 200, { ok: true, bytes: frame.length + 1 });
  }
  return send(res, 404, { error: "not found" });
}

function sockets() {
  return version === 2 ? io.sockets.connected : Object.fromEntries(io.sockets.sockets);
}

const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => route(req, res, body));
});

if (version === 2) {
  io = require("sio2")(server, { pingInterval, pingTimeout, transports: ["websocket"] });
} else {
  io = require("sio4")(server, { pingInterval, pingTimeout, transports: ["websocket"], allowEIO3 });
}

function tokenOk(socket) {
  if (cfg.refuseAll) return false;
  const token = socket.handshake.query.token;
  const exp = tokens.get(token);
  return exp !== undefined && exp > now();
}

io.use((socket, next) => {
  stats.connections += 1;
  if (cfg.reject === "error" && !tokenOk(socket)) {
    stats.rejected += 1;
    return next(new Error("Invalid token"));
  }
  next();
});

io.on("connection", (socket) => {
  if (!tokenOk(socket)) {
    stats.rejected += 1;
    socket.disconnect(true);
    return;
  }
  socket.emit("loginSuccess", { errorCode: 0, errorDesc: "OK", servertime: now(), servertimeoffset: 180 });
  if (cfg.snapshots) snapshots(socket);
  socket.on("keepalive", (token) => {
    stats.keepalives += 1;
    if (token === socket.handshake.query.token) stats.keepalivesWithOwnToken += 1;
    socket.emit("keepaliveResponse", {
      errorCode: cfg.keepaliveError, errorDesc: cfg.keepaliveError ? "session expired" : "OK",
      token_ok: token === socket.handshake.query.token,
    });
  });
  socket.on("resync", (opts) => {
    stats.resyncs += 1;
    if (opts && opts.cache === false) stats.resyncsNoCache += 1;
    snapshots(socket);
  });
});

server.listen(port, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port, version }) + "\n");
});
process.on("SIGTERM", () => process.exit(0));
