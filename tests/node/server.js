// A real socket.io server (v2 = Engine.IO 3, as the vendor runs; or v4 = Engine.IO 4) that
// also serves the vendor's HTTP login APIs, for the connector's conformance and fault tests.
//
//   node server.js <2|4|4e3> <port, 0 = any> [pingIntervalMs] [pingTimeoutMs]
//
// Prints one line `{"port": N}` when listening. Tests drive it over HTTP:
//   POST /control/config  {servers, tokenTtl, expiryFormat, loginFault, reject, snapshots,
//                          keepaliveError, dropExpired}
//   POST /control/call    {ext, ivrid}   a call starts ringing on an extension (NEWCALL)
//   POST /control/hangup  {ext, ivrid}   it ends (HANGUP)
//   POST /control/emit    {name, payload} broadcast any event
//   POST /control/burst   {count}        pre-encoded ExtensionEvents as fast as possible
//   POST /control/drop                   close every client connection
//   GET  /control/stats                  counters
// It answers like the vendor's servers as its SDKs see them (docs/voicenter.md, "Login"),
// and accepts only what the SDKs send:
// Login (legacy): POST /monitorAPI/Login/User {email, pin}, /Account {username, password},
//   /Token {token} -> Data.Socket with ISO-8601 TokenExpiry; refresh: GET /monitorAPI/Refresh
//   with "Authorization: Bearer <RefreshToken>" (any other method: 405).
// Login (identity): POST /identity/login -> Data.AccessToken + RefreshToken; GET
//   /identity/settings (Bearer access token) -> IdentityCode (the socket token),
//   IdentityCodeExpiry and MonitorList by Priority (servers[0] highest); GET /identity/refresh.
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
  tokenTtl: 3600, // seconds (may be fractional)
  // How expiries are written: "iso" (the SDKs' Date, with zone), "iso-nozone", "epoch",
  // "epoch-ms", or "garbage" (unreadable).
  expiryFormat: "iso",
  dropExpired: true, // close a socket when its token expires
  loginFault: null, // "401" | "500" | "hang"
  reject: "disconnect", // how a bad socket token is refused: "disconnect" | "error"
  snapshots: true, // send loginStatus/AllExtensionsStatus on connect (else only on resync)
  keepaliveError: 0,
  refuseAll: false, // the socket refuses even freshly issued tokens
};
// Exactly the bodies the SDKs send: a key more or less is refused like a wrong password.
const SHAPES = { User: ["email", "pin"], Account: ["password", "username"], Token: ["token"] };
const CREDENTIALS = {
  User: (b) => b.email === "lead@acme.test" && b.pin === "s3cret-pass",
  Account: (b) => b.username === "acme" && b.password === "s3cret-pass",
  Token: (b) => b.token === "vendor-issued-token",
};
const IDENTITY_SHAPES = [["identityType", "password", "username"], ["identityType", "token"]];
const shaped = (b, keys) =>
  b && typeof b === "object" && JSON.stringify(Object.keys(b).sort()) === JSON.stringify(keys);
const tokens = new Map(); // socket token -> expiry (epoch ms)
const refreshTokens = new Map(); // refresh token -> login kind
const accessTokens = new Map(); // identity access token -> socket token
const stats = {
  logins: 0, refreshes: 0, connections: 0, rejected: 0, keepalives: 0, resyncs: 0, connected: 0,
  keepalivesWithOwnToken: 0, resyncsNoCache: 0, badShapes: 0, loginTimes: [], refreshTimes: [],
  expiredDrops: 0,
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

function issue(kind) {
  serial += 1;
  const token = `sock-${serial}-${Math.random().toString(36).slice(2)}`;
  const refresh = `ref-${serial}-${Math.random().toString(36).slice(2)}`;
  const expiry = Date.now() + cfg.tokenTtl * 1000;
  tokens.set(token, expiry);
  refreshTokens.set(refresh, kind);
  return { token, refresh, expiry };
}

function date(ms) {
  const iso = new Date(ms).toISOString();
  switch (cfg.expiryFormat) {
    case "iso-nozone": return iso.replace("Z", "");
    case "epoch": return Math.floor(ms / 1000);
    case "epoch-ms": return ms;
    case "garbage": return "next tuesday";
    default: return iso;
  }
}

function legacyReply(t) {
  return {
    Status: 1,
    StatusCode: 0,
    Data: {
      Socket: {
        Token: t.token,
        TokenExpiry: date(t.expiry),
        RefreshToken: t.refresh,
        RefreshTokenExpiry: date(t.expiry + 86400000),
        Url: cfg.servers[0],
        URLList: cfg.servers,
        Version: "v3",
        PersonId: 42,
        Client: "v=1.3.7",
      },
    },
  };
}

function identityReply(t) {
  const access = `acc-${serial}-${Math.random().toString(36).slice(2)}`;
  accessTokens.set(access, t.token);
  return { Status: 1, StatusCode: 0, Data: { AccessToken: access, RefreshToken: t.refresh } };
}

function takeRefresh(req, res) {
  if (req.method !== "GET") return send(res, 405, { error: "refresh is a GET" }), null;
  if (loginFault(res)) return null;
  const kind = refreshTokens.get(bearer(req));
  if (kind === undefined) return send(res, 401, { ErrorMessage: "bad refresh" }), null;
  refreshTokens.delete(bearer(req));
  stats.refreshes += 1;
  stats.refreshTimes.push(Date.now());
  return kind;
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
    if (!shaped(b, SHAPES[m[1]])) stats.badShapes += 1;
    if (!shaped(b, SHAPES[m[1]]) || !CREDENTIALS[m[1]](b)) {
      return send(res, 401, { ErrorMessage: "Invalid credentials" });
    }
    stats.logins += 1;
    stats.loginTimes.push(Date.now());
    return send(res, 200, legacyReply(issue(m[1])));
  }
  if (p === "/monitorAPI/Refresh") {
    const kind = takeRefresh(req, res);
    if (kind === null) return;
    return send(res, 200, legacyReply(issue(kind)));
  }
  if (p === "/identity/login" && req.method === "POST") {
    if (loginFault(res)) return;
    // `identityType` as the events SDK spells it (its LoginType enum).
    const kind = ["User", "Account", "Token"].includes(b.identityType) ? b.identityType : null;
    const ok = IDENTITY_SHAPES.some((keys) => shaped(b, keys));
    if (!ok) stats.badShapes += 1;
    // The identity stack takes a user's e-mail as `username` and its password as such.
    const creds = kind === "User" ? { email: b.username, pin: b.password } : b;
    if (!ok || !kind || !CREDENTIALS[kind](creds)) {
      return send(res, 401, { ErrorMessage: "Invalid" });
    }
    stats.logins += 1;
    stats.loginTimes.push(Date.now());
    return send(res, 200, identityReply(issue(kind)));
  }
  if (p === "/identity/refresh") {
    const kind = takeRefresh(req, res);
    if (kind === null) return;
    return send(res, 200, identityReply(issue(kind)));
  }
  if (p === "/identity/settings" && req.method === "GET") {
    const token = accessTokens.get(bearer(req));
    if (token === undefined) return send(res, 401, { ErrorMessage: "bad token" });
    // The highest Priority is the main server (servers[0]); listed lowest first, so a
    // client that takes the list's order starts on the fallback.
    const n = cfg.servers.length;
    const list = cfg.servers
      .map((d, i) => ({ Priority: n - 1 - i, Domain: d, URLID: i + 1, Version: "v3" }))
      .reverse();
    return send(res, 200, {
      Status: 1,
      Data: {
        IdentityCode: token, IdentityCodeExpiry: date(tokens.get(token)),
        PersonID: 42, PersonType: 1, ExtensionMonitorID: 7, MonitorList: list,
      },
    });
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
  return exp !== undefined && exp > Date.now();
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
  const left = tokens.get(socket.handshake.query.token) - Date.now();
  if (cfg.dropExpired && left < 2 ** 31 - 1) {
    // A socket whose token expired is closed, so a client that does not renew it in time
    // is seen to lose its link.
    const timer = setTimeout(() => { stats.expiredDrops += 1; socket.disconnect(true); }, left);
    socket.on("disconnect", () => clearTimeout(timer));
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
