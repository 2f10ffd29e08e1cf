// The live board: one component per tab, patched by JSON deltas from the server's publisher.
// Clocks tick here, from server-domain start times plus this browser's offset to the server's
// clock; a one-second ticker updates them (and threshold levels) directly in the DOM, so 2,000
// agents do not re-render every second.

const ORDER = { ringing: 0, talking: 1, hold: 2, dialing: 3, available: 4, break: 5, logged_out: 6 };
const ICON = {
  available: "✔", ringing: "◎", dialing: "➚", talking: "☎", hold: "❚❚", break: "◐", logged_out: "✖",
};
const ON_CALL = new Set(["ringing", "dialing", "talking", "hold"]);

// The server sends `wallboardApply(board, payload)` to every tab of a board at once.
const INSTANCES = new Map();
window.wallboardApply = (board, payload) => {
  for (const inst of INSTANCES.get(board) || []) inst.apply(payload);
};

function category(s) {
  if (s === "available") return "available";
  if (ON_CALL.has(s)) return "on_call";
  if (s === "break") return "on_break";
  return "logged_out";
}

function fmtDuration(secs) {
  secs = Math.max(0, Math.floor(secs));
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  const ss = String(s).padStart(2, "0");
  if (h > 0) return `${h}:${String(m).padStart(2, "0")}:${ss}`;
  return `${m}:${ss}`;
}

// Only an agent's time in status is judged here: its level is a plain function of a server
// time (no hold), so every page agrees from its first frame. Queue and floor levels come
// from the server with the time each began (web/levels.py).
function levelOf(value, lv, lowerIsWorse) {
  if (value === null || value === undefined || !lv) return "ok";
  const [warn, alarm] = lv;
  const worse = (v, t) => t !== null && t !== undefined && (lowerIsWorse ? v < t : v >= t);
  if (worse(value, alarm)) return "alarm";
  if (worse(value, warn)) return "warn";
  return "ok";
}

const RANK = { ok: 0, warn: 1, alarm: 2 };
// Statuses busy with a call (kpis.BUSY_STATUSES): occupancy's numerator.
const BUSY = new Set(["ringing", "dialing", "talking", "hold"]);
const QUEUE_MIN_U = 12; // a kiosk queue tile's least width, in viewport units (board.css)
const MARK = { ok: "", warn: "▲", alarm: "⚠" };

// Who matters first when not every agent fits (and the "status" order): ringing, then the
// longest on a call, on a break, then available, logged out last.
function byStatus(a, b) {
  return (ORDER[a.s] ?? 9) - (ORDER[b.s] ?? 9) || a.since - b.since || a.x - b.x;
}

// The "status" order of a still board: agents in contiguous groups (on a call, available, on
// a break, logged out), and a tile moves only when its agent's group changes. An agent who
// changes group crosses each boundary by trading places with the tile at that boundary (the
// last or first of the segment it leaves), so within a group the order holds and the few
// other tiles that move are those at a boundary — mostly agents who themselves just arrived
// there. Newcomers join at the end of their group; who leaves is replaced the same way.
const GONE = 4;
function groupOf(s) {
  if (ON_CALL.has(s)) return 0;
  if (s === "available") return 1;
  if (s === "break") return 2;
  return 3;
}
class Places {
  constructor() {
    this.slots = []; // extensions in place order
    this.group = new Map(); // extension → group of its segment
    this.counts = [0, 0, 0, 0, 0];
  }
  start(g) {
    let i = 0;
    for (let k = 0; k < g; k++) i += this.counts[k];
    return i;
  }
  swap(i, j) {
    const s = this.slots;
    [s[i], s[j]] = [s[j], s[i]];
  }
  move(x, to) {
    let g = this.group.get(x);
    let i = this.slots.indexOf(x);
    while (g < to) { // to the end of its segment, which becomes the next one's start
      const end = this.start(g + 1) - 1;
      this.swap(i, end);
      i = end;
      this.counts[g] -= 1;
      this.counts[g + 1] += 1;
      g += 1;
    }
    while (g > to) {
      const first = this.start(g);
      this.swap(i, first);
      i = first;
      this.counts[g] -= 1;
      this.counts[g - 1] += 1;
      g -= 1;
    }
    this.group.set(x, g);
  }
  update(agents) {
    for (const x of [...this.slots]) {
      const a = agents[String(x)];
      const to = a ? groupOf(a.s) : GONE;
      if (to !== this.group.get(x)) this.move(x, to);
    }
    while (this.counts[GONE]) { // the gone sit at the very end
      this.group.delete(this.slots.pop());
      this.counts[GONE] -= 1;
    }
    const fresh = Object.values(agents).filter((a) => !this.group.has(a.x)).sort(byStatus);
    for (const a of fresh) {
      this.slots.push(a.x);
      this.group.set(a.x, GONE);
      this.counts[GONE] += 1;
      this.move(a.x, groupOf(a.s));
    }
    return new Map(this.slots.map((x, i) => [x, i]));
  }
}

// kpis.sl_at_risk, applied here every second (docs/metrics.md, "Erlang C"): the k-th caller
// in line is answered in about k / answer rate seconds; past the SL threshold by then?
function slAtRisk(joined, rate, threshold, now) {
  const line = [...joined].sort((a, b) => a - b);
  for (let k = 1; k <= line.length; k++) {
    const wait = Math.max(0, now - line[k - 1]);
    if (!rate) { if (wait >= threshold / 2) return true; }
    else if (wait + k / rate > threshold) return true;
  }
  return false;
}

// The kiosk's agent grid: the fewest rows (so the largest type) in which every tile fits,
// richer tiles while there is room. u is one viewport unit (px); fonts stay between
// AGENT_MIN_U (≈16 px at 1080p: names and clocks read from across the room even with 200
// agents) and 1.5u; who does not fit at the least size is counted in "+N more".
const MODES = [
  { mode: 3, lines: 3.9, chars: 15 },
  { mode: 2, lines: 2.6, chars: 14 },
  { mode: 1, lines: 1.5, chars: 14 },
];
const AGENT_MIN_U = 0.84;
function gridFor(n, W, H, u) {
  const gap = Math.max(2, Math.round(0.3 * u));
  const fmax = 1.5 * u;
  const fmin = AGENT_MIN_U * u;
  const fit = (rows, m, f) => {
    const cols = Math.max(1, Math.floor((W + gap) / (f * m.chars + gap)));
    return { rows, cols, gap, mode: m.mode, f,
      w: (W - gap * (cols - 1)) / cols, h: (H - gap * (rows - 1)) / rows };
  };
  for (let rows = 1; rows <= 400; rows++) {
    const h = (H - gap * (rows - 1)) / rows;
    if (h < fmin * 1.5) break;
    for (const m of MODES) {
      const f = Math.min(fmax, h / m.lines);
      if (f < fmin * (m.mode === 1 ? 1 : 1.25)) continue;
      const g = fit(rows, m, f);
      if (g.cols * rows >= n) return g;
    }
  }
  const m = MODES[2];
  return fit(Math.max(1, Math.floor((H + gap) / (fmin * m.lines + gap))), m, fmin);
}

// What the desk tile and the kiosk tile both say about an agent.
const TILE = {
  computed: {
    statusName() {
      const names = this.cfg.statusNames;
      if (this.a.s === "break") return names["break:" + this.a.c] || names.break;
      return names[this.a.s] || this.a.s;
    },
    call() {
      return this.a.calls.length ? this.a.calls[0] : null;
    },
    icon() {
      return ICON[this.a.s] || "?";
    },
    callLonger() {
      // One clock per agent: time in the current status. The call's own duration shows
      // (labelled "call 3:37") only when it differs: the call began before this status (a
      // hold, then talking again), so a long call never looks short.
      const c = this.call;
      return c && c.since < this.a.since - 1 ? c : null;
    },
  },
};

const AgentTile = {
  mixins: [TILE],
  props: ["a", "cfg", "queues", "now"],
  computed: {
    queueName() {
      const c = this.call;
      if (!c || !c.q) return "";
      const q = this.queues[c.q];
      return q ? q.n : c.qn || "";  // another queue: by the name the server sent, if any
    },
    href() {
      return this.cfg.links ? this.cfg.links.agent + this.a.x : null;
    },
  },
  methods: {
    clock(since) {
      return fmtDuration(this.now() - since);
    },
    fmtDuration,
  },
  template: `
    <component :is="href ? 'a' : 'div'" :href="href" class="wb-tile" :class="'st-' + a.s"
         :data-ext="a.x" :data-state="a.s">
      <div class="wb-tile-top">
        <bdi class="wb-name" dir="auto">{{ a.n }}</bdi>
        <span class="wb-ext">{{ a.x }}</span>
      </div>
      <div class="wb-status">
        <span class="wb-icon" aria-hidden="true">{{ icon }}</span>
        <span class="wb-status-name">{{ statusName }}</span>
        <span class="wb-clock" :data-since="a.since" :data-th="a.k">{{ clock(a.since) }}</span>
      </div>
      <div class="wb-call" v-if="call">
        <span class="wb-dir">{{ call.dir === 'incoming' ? cfg.strings.incoming : cfg.strings.outgoing }}</span>
        <bdi class="wb-q" dir="auto" v-if="queueName">{{ queueName }}</bdi>
        <!-- Cut at its start, never its last digits: an RTL box (cut at its left) around an LTR run. -->
        <bdi class="wb-num" dir="rtl"><bdi dir="ltr">{{ call.num }}</bdi></bdi>
        <span class="wb-calldur" v-if="callLonger">{{ cfg.strings.call_word }}
          <span class="wb-clock" :data-since="call.since">{{ clock(call.since) }}</span></span>
      </div>
      <div class="wb-missed" v-if="a.missed" :title="cfg.metrics.agent_missed.formula">
        {{ cfg.strings.missed }}: <b>{{ a.missed }}</b>
      </div>
      <!-- The day's figures (widget "agent_figures"); occupancy ticks (board.tick). -->
      <div class="wb-afig" v-if="a.f">
        <span :title="cfg.metrics.agent_handled.label"><b>{{ a.f[0] }}</b> {{ cfg.strings.fig_calls }}</span>
        <span :title="cfg.metrics.agent_handle_time.label">{{ cfg.strings.fig_aht }}
          <b>{{ a.f[1] === null ? "—" : fmtDuration(a.f[1]) }}</b></span>
        <span :title="cfg.metrics.occupancy.label">{{ cfg.strings.fig_occ }}
          <b class="wb-occ" :data-occ="a.f.slice(2).join(' ')" :data-k="a.k"></b></span>
      </div>
    </component>`,
};


// A kiosk tile: placed by the grid (a transform, so moving is no layout shift and glides),
// as rich as its size allows: 1 line (icon, name, clock), 2 (+ status or queue), 3 (+ call).
const KioskTile = {
  mixins: [TILE],
  props: ["a", "cfg", "queues", "box", "now"],
  computed: {
    where() {
      const c = this.call;
      if (!c || !c.q) return "";
      const q = this.queues[c.q];
      return q ? q.n : c.qn || "";
    },
    style() {
      const b = this.box;
      return { transform: `translate(${b.x}px, ${b.y}px)`, width: `${b.w}px`, height: `${b.h}px`,
        fontSize: `${b.f}px` };
    },
  },
  template: `
    <div class="wb-tile wb-ktile" :class="['st-' + a.s, 'm' + box.mode]" :style="style"
         :data-ext="a.x" :data-state="a.s">
      <div class="wb-kline">
        <span class="wb-icon" aria-hidden="true">{{ icon }}</span>
        <bdi class="wb-name" dir="auto">{{ a.n }}</bdi>
        <span class="wb-clock" v-if="box.mode < 3" :data-since="a.since" :data-th="a.k"></span>
      </div>
      <div class="wb-kline wb-status" v-if="box.mode >= 2">
        <span class="wb-status-name">{{ statusName }}</span>
        <span class="wb-calldur" v-if="box.mode === 2 && callLonger">{{ cfg.strings.call_word }}
          <span class="wb-clock" :data-since="call.since"></span></span>
        <bdi class="wb-q" dir="auto" v-else-if="box.mode === 2 && where">{{ where }}</bdi>
        <span class="wb-clock" v-if="box.mode === 3" :data-since="a.since" :data-th="a.k"></span>
      </div>
      <div class="wb-kline wb-call" v-if="box.mode === 3 && call">
        <span class="wb-dir">{{ call.dir === 'incoming' ? cfg.strings.incoming : cfg.strings.outgoing }}</span>
        <bdi class="wb-q" dir="auto">{{ where }}</bdi>
        <span class="wb-calldur" v-if="callLonger">{{ cfg.strings.call_word }}
          <span class="wb-clock" :data-since="call.since"></span></span>
      </div>
    </div>`,
};

export default {
  components: { AgentTile, KioskTile },
  // `short`: the forecast's hours short of agents (web/pages/forecast.py), set by the server.
  props: { config: Object, short: { type: String, default: "" } },
  data() {
    return {
      version: 0,
      seq: null,
      head: null,
      filterText: "",
      filterCat: "all",
      sortBy: this.config.sort || "status",
      banner: "",
      bannerKind: "",
      lastEventText: "",
      explain: null,
      visible: true,
      clockText: "",
      orderVersion: 0,
      area: { w: 0, h: 0 },
      queueRows: 2, // kiosk: rows of queue tiles (one when a second would squeeze the agents)
      unit: 0,
      soundOff: false,
      floor: null,
      alerts: [], // open alerts of this board: { id, q, x, n, t, th, ack }
      alertsHidden: 0, // names the strip had no room for ("+3")
      lvVersion: 0,
    };
  },
  created() {
    // Kept out of Vue's reactivity: replaced wholesale per delta, counted by `version`.
    this.agents = {};
    this.queues = {};
    this.offset = null; // server now − browser now, seconds
    this.lastMessage = Date.now();
    this.lv = { q: {}, floor: {} }; // the server's levels: metric → [level, since]
    this.opened = null; // when this page opened, in the server's clock
    this.flashed = {}; // queue → the start of the alarm it last flashed for
    this.order = []; // by time: extensions in their current place; re-sorted every resortSeconds
    this.places = new Places(); // by status: places that change only with an agent's group
    this.lastGrid = null; // the kiosk's agent grid, kept while it still fits (no re-flow)
    this.queueTiles = null; // the kiosk's queues that have a tile when not all do
    this.sortedAt = 0;
    this.flashUntil = {};
  },
  mounted() {
    if (!INSTANCES.has(this.config.board)) INSTANCES.set(this.config.board, new Set());
    INSTANCES.get(this.config.board).add(this);
    this.timer = setInterval(() => this.tick(true), 1000);
    this.fmtTime = new Intl.DateTimeFormat(this.config.lang === "he" ? "he-IL" : "en-GB", {
      timeZone: this.config.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    });
    this.fmtTimeSec = new Intl.DateTimeFormat(this.config.lang === "he" ? "he-IL" : "en-GB", {
      timeZone: this.config.tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    });
    // Ask for a snapshot if none came soon after loading (the server also sends one on connect).
    this.askTimer = setTimeout(() => { if (this.seq === null) this.$emit("resync"); }, 3000);
    if (this.config.sound) this.prepareSound();
    if (this.config.kiosk) {
      // The grid follows the room left for the agents, whenever it changes.
      this.$nextTick(() => {
        const el = this.$el.querySelector(".wb-kagents");
        if (el && window.ResizeObserver) {
          this.resizer = new ResizeObserver(() => this.measure());
          this.resizer.observe(el);
        }
      });
    }
    this.tick();
  },
  unmounted() {
    INSTANCES.get(this.config.board)?.delete(this);
    clearInterval(this.timer);
    clearTimeout(this.askTimer);
    if (this.resizer) this.resizer.disconnect();
  },
  computed: {
    s() {
      return this.config.strings;
    },
    agentList() {
      this.version;
      const text = this.filterText.trim().toLowerCase();
      let list = Object.values(this.agents);
      if (this.filterCat !== "all") list = list.filter((a) => category(a.s) === this.filterCat);
      if (text) list = list.filter((a) => a.n.toLowerCase().includes(text) || String(a.x).includes(text));
      return this.placed(list);
    },
    // Kiosk: who is on the floor (not logged out) in their place, the grid, and who did not fit.
    kiosk() {
      this.version;
      this.orderVersion;
      const all = Object.values(this.agents);
      const out = all.filter((a) => a.s === "logged_out").length;
      const here = this.placed(all.filter((a) => a.s !== "logged_out"));
      const { w, h } = this.area;
      if (!w || !h) return { tiles: [], more: 0, out, grid: null };
      const n = here.length + (out ? 1 : 0);
      // The grid holds while it still fits everyone and is not two rows too roomy: an agent
      // who logs in or out must not re-flow (move) every tile at a capacity's edge.
      const last = this.lastGrid;
      const holds = last && last.w === w && last.h === h && last.u === this.unit
        && last.g.rows * last.g.cols >= n && (last.g.rows - 2) * last.g.cols < n;
      let grid = holds ? last.g : gridFor(n, w, h, this.unit);
      if (!holds) this.lastGrid = { w, h, u: this.unit, g: grid };
      let cap = grid.rows * grid.cols;
      let shown = here;
      if (here.length + (out ? 1 : 0) > cap) {
        // Not all fit: who matters most keeps a place (ringing, longest on a call, longest
        // on a break, available), in the board's order; one place says how many are left.
        const keep = new Set([...here].sort(byStatus).slice(0, cap - 1).map((a) => a.x));
        shown = here.filter((a) => keep.has(a.x));
      }
      const tiles = shown.map((a, i) => ({ a, box: this.cell(grid, i) }));
      const more = here.length - shown.length;
      return { tiles, more, out, grid, moreBox: this.cell(grid, shown.length) };
    },
    floorFigures() {
      this.version;
      let waiting = 0;
      let first = null;
      for (const q of Object.values(this.queues)) {
        waiting += q.today.waiting_now;
        for (const w of q.waiting) if (first === null || w.joined < first) first = w.joined;
      }
      const f = this.floor;
      return { waiting, first, sl: f ? f.sl : null, few: f ? f.few : true, n: f ? f.n : 0 };
    },
    openAlerts() {
      // The strip counts the alerts nobody acknowledged yet, oldest first.
      return this.alerts.filter((a) => !a.ack);
    },
    alertNames() {
      // ... and names each queue or agent once (two rules may fire about one queue).
      const seen = new Map();
      for (const a of this.openAlerts) {
        const key = a.q !== null ? `q${a.q}` : `x${a.x}`;
        if (!seen.has(key)) seen.set(key, { key, n: a.n });
      }
      return [...seen.values()];
    },
    topAgents() {
      // Widget "top": the day's five with the most calls answered (then by name).
      this.version;
      return Object.values(this.agents).filter((a) => a.answered > 0)
        .sort((a, b) => b.answered - a.answered || a.n.localeCompare(b.n)).slice(0, 5);
    },
    agentTotal() {
      this.version;
      return Object.keys(this.agents).length;
    },
    counts() {
      this.version;
      const c = { available: 0, on_call: 0, on_break: 0, logged_out: 0 };
      for (const a of Object.values(this.agents)) c[category(a.s)] += 1;
      return c;
    },
    kioskQueues() {
      // Queue tiles never shrink below legible (figures 1.5u ≈ 28 px and labels 0.75u ≈ 14 px
      // at 1080p): one row up to 6, else rows of up to 10 tiles at least QUEUE_MIN_U wide, two
      // rows at most. More queues than places: those that need attention most keep a tile
      // (alarm, warning, an open alert), in name order; the rest share one compact place.
      this.version;
      this.lvVersion;
      const list = this.queueList;
      const n = list.length || 1;
      const u = this.unit || window.innerWidth / 100;
      const W = this.area.w || window.innerWidth;
      const gap = 0.4 * u;
      const fit = Math.max(1, Math.floor((W + gap) / (QUEUE_MIN_U * u + gap)));
      const cols = Math.min(fit, n <= 6 ? n : Math.ceil(n / Math.ceil(n / 10)));
      const cap = cols * this.queueRows;
      if (n <= cap) return { cols, span: 0, tiles: list, rest: [] };
      const need = (q) => {
        let worst = 0;
        for (const [lv] of Object.values(this.lv.q[q.id] || {})) worst = Math.max(worst, RANK[lv]);
        return worst * 2 + (this.alertOf(q.id) === "open" ? 1 : 0);
      };
      // The compact place takes two columns when it names more than a few queues.
      const span = n - (cap - 1) > 4 && cols > 3 ? 2 : 1;
      // Within a need, the queues that have a tile keep it (then name order): a tile gives
      // its place only to a queue that needs attention more.
      const had = this.queueTiles || new Set();
      const rank = (q) => need(q) * 2 + (had.has(q.id) ? 1 : 0);
      const keep = new Set(list.map((q) => [rank(q), q]).sort((a, b) => b[0] - a[0])
        .slice(0, cap - span).map(([, q]) => q.id)); // a stable sort: name order within a rank
      this.queueTiles = keep;
      return { cols, span, tiles: list.filter((q) => keep.has(q.id)),
        rest: list.filter((q) => !keep.has(q.id)).map((q) => ({ q, need: need(q) })) };
    },
    restText() {
      const rest = this.kioskQueues.rest;
      if (rest.every((r) => r.need === 0)) return `${rest.length} ${this.s.queues_on_target}`;
      return `+${rest.length} ${this.s.queues_more}`;
    },
    queueList() {
      this.version;
      return Object.values(this.queues).sort((a, b) => a.n.localeCompare(b.n, this.config.lang));
    },
    waitingList() {
      this.version;
      const out = [];
      for (const q of Object.values(this.queues)) for (const w of q.waiting) out.push({ ...w, qn: q.n, qid: q.id });
      return out.sort((a, b) => a.joined - b.joined);
    },
  },
  methods: {
    placed(list) {
      // A still board: in the status order a tile moves only when its agent's group changes
      // (Places); by time, tiles keep their place between re-sorts (at most every
      // resortSeconds); name and extension orders never move.
      const by = this.sortBy;
      const name = (a, b) => a.n.localeCompare(b.n, this.config.lang);
      if (by === "name") return list.sort(name);
      if (by === "extension") return list.sort((a, b) => a.x - b.x);
      if (by === "status") {
        const at = this.places.update(this.agents);
        return list.sort((a, b) => at.get(a.x) - at.get(b.x));
      }
      const cmp = (a, b) => a.since - b.since || name(a, b);
      const due = Date.now() - this.sortedAt >= (this.config.resortSeconds ?? 10) * 1000;
      if (due) {
        this.order = Object.values(this.agents).sort(cmp).map((a) => a.x);
        this.sortedAt = Date.now();
      }
      const place = new Map(this.order.map((x, i) => [x, i]));
      return list.sort((a, b) => (place.get(a.x) ?? 1e9) - (place.get(b.x) ?? 1e9) || cmp(a, b));
    },
    pickQueueRows(w, h, u) {
      // A second row of queue tiles only while every agent on the floor still gets a tile at
      // the least legible size below it: the agents' room with 1 or 2 rows, from this one.
      const tile = this.$el.querySelector(".wb-kqueues > .wb-kq");
      if (!tile) return;
      const gap = 0.4 * u;
      const rowH = tile.offsetHeight + gap;
      const shown = this.$el.querySelectorAll(".wb-kqueues > .wb-kq").length;
      const now = Math.ceil(shown / this.kioskQueues.cols);
      const agents = Object.values(this.agents);
      const n = agents.filter((a) => a.s !== "logged_out").length + 1; // + the "logged out" place
      const fits = (rows, m) => {
        const g = gridFor(m, w, h + (now - rows) * rowH, u);
        return g.rows * g.cols >= m && g.f >= AGENT_MIN_U * u - 0.01;
      };
      // A second row comes back only with room for ten more agents: a floor at the edge
      // must not flip the rows (and move every tile) as one agent logs in and out.
      const rows = fits(2, this.queueRows === 2 ? n : n + 10) ? 2 : 1;
      if (rows !== this.queueRows) this.queueRows = rows;
    },
    cell(g, i) {
      const col = i % g.cols;
      const row = Math.floor(i / g.cols);
      const x = col * (g.w + g.gap);
      return { x: this.config.dir === "rtl" ? this.area.w - x - g.w : x, y: row * (g.h + g.gap),
        w: g.w, h: g.h, f: g.f, mode: g.mode };
    },
    measure() {
      const el = this.$el && this.$el.querySelector && this.$el.querySelector(".wb-kagents");
      if (!el) return;
      const w = el.clientWidth;
      const h = el.clientHeight;
      if (!w || !h) return; // rotated out (display: none): keep the grid for its return
      const u = Math.min(window.innerWidth / 100, window.innerHeight / 56.25);
      if (w !== this.area.w || h !== this.area.h || u !== this.unit) {
        this.area = { w, h };
        this.unit = u;
        if (this.alerts.length) this.$nextTick(() => this.fitAlerts()); // new width
      }
      this.pickQueueRows(w, h, u);
    },
    fitAlerts() {
      // The strip names as many open alerts as fit, then "+N": a name is never cut.
      const box = this.$el.querySelector && this.$el.querySelector(".wb-alerts-names");
      if (!box) return;
      const names = [...box.children];
      for (const n of names) n.hidden = false;
      const r = box.getBoundingClientRect();
      let hidden = 0;
      for (const n of names) {
        const b = n.getBoundingClientRect();
        if (b.left < r.left - 1 || b.right > r.right + 1) { n.hidden = true; hidden += 1; }
      }
      if (hidden !== this.alertsHidden) {
        this.alertsHidden = hidden; // "+N" takes room: fit again once it shows
        this.$nextTick(() => this.fitAlerts());
      }
    },
    alertOf(qid) {
      // The queue's open alert, if any ("ack": seen by a lead; the tile keeps a small marker).
      const a = this.alerts.find((x) => x.q === qid);
      return a ? (a.ack ? "ack" : "open") : null;
    },
    agentAlert(x) {
      const a = this.alerts.find((y) => y.x === x);
      return a ? (a.ack ? "ack" : "open") : null;
    },
    prepareSound() {
      try {
        this.audio = new (window.AudioContext || window.webkitAudioContext)();
      } catch (e) {
        this.soundOff = true;
        return;
      }
      const check = () => { this.soundOff = this.audio.state !== "running"; };
      this.audio.onstatechange = check;
      check();
    },
    enableSound() {
      if (this.audio) this.audio.resume().then(() => { this.soundOff = this.audio.state !== "running"; });
    },
    pickCat(k) {
      if (!this.config.kiosk) this.filterCat = this.filterCat === k ? "all" : k;
    },
    has(w) {
      return this.config.widgets.includes(w);
    },
    serverNow() {
      return Date.now() / 1000 + (this.offset ?? 0);
    },
    apply(d) {
      this.lastMessage = Date.now();
      const offset = d.now - Date.now() / 1000;
      // Keep the smallest network delay seen (largest offset); re-anchor on a real jump.
      if (this.offset === null || Math.abs(offset - this.offset) > 1) this.offset = offset;
      else this.offset = Math.max(this.offset, offset);
      // A level that began before this page opened is painted, never flashed or sounded.
      if (this.opened === null) this.opened = d.now - performance.now() / 1000;
      if (d.lv) {
        this.lv = d.lv;
        this.lvVersion += 1;
      }
      if (d.alerts) {
        this.alerts = d.alerts;
        this.$nextTick(() => this.fitAlerts());
      }
      this.head = { conn: d.conn, shift: d.shift, callbacks: d.callbacks || null };
      if (d.full) {
        this.agents = {};
        this.queues = {};
      } else if (this.seq === null || d.seq !== this.seq + 1) {
        // A gap (or a delta before the snapshot): ask for a snapshot, ignore this one.
        if (this.seq !== null) this.$emit("resync");
        this.tick();
        return;
      }
      this.seq = d.seq;
      for (const [k, a] of Object.entries(d.agents)) this.agents[k] = Object.freeze(a);
      for (const k of d.gone) delete this.agents[String(k)];
      for (const [k, q] of Object.entries(d.queues)) this.queues[k] = Object.freeze(q);
      for (const k of d.qgone) delete this.queues[String(k)];
      if (d.floor) this.floor = d.floor;
      if (d.full || Object.keys(d.agents).length || d.gone.length || Object.keys(d.queues).length || d.qgone.length) {
        this.version += 1;
      }
      // Colour and clocks once Vue has patched the DOM (tiles may be new).
      this.$nextTick(() => this.tick());
    },
    clock(since) {
      return fmtDuration(this.serverNow() - since);
    },
    timeOf(serverT) {
      if (serverT === null || serverT === undefined || !this.head) return "";
      return this.fmtTime.format(new Date((serverT - this.head.shift) * 1000));
    },
    newAlarm(key, levels) {
      // The newest start among the alarms of `levels`, if it is after this page opened and
      // not flashed yet: then (only then) the tile flashes and the kiosk beeps.
      let newest = null;
      for (const [lv, since] of Object.values(levels)) {
        if (lv === "alarm" && since !== null && (newest === null || since > newest)) newest = since;
      }
      if (newest === null || this.opened === null || newest <= this.opened) return false;
      if (this.flashed[key] === newest) return false;
      this.flashed[key] = newest;
      return true;
    },
    atRisk(q) {
      return slAtRisk(q.waiting.map((w) => w.joined), q.ar, q.sl_threshold, this.serverNow());
    },
    availNeed(q) {
      // Agents available beside agents needed (Erlang C), as one "available/needed" figure.
      return `${q.avail == null ? "—" : q.avail}/${q.need == null ? "—" : q.need}`;
    },
    levelWord(lv) {
      return lv === "alarm" ? this.s.level_alarm : lv === "warn" ? this.s.level_warn : "";
    },
    kioskStats(q) {
      const t = q.today;
      const ln = this.longestNow(q);
      const first = q.waiting.length ? Math.min(...q.waiting.map((w) => w.joined)) : null;
      return [
        { key: "waiting_now", value: String(t.waiting_now), lbl: this.s.k_waiting },
        { key: "longest_waiting_now", value: ln === null ? "—" : fmtDuration(ln), since: first,
          lbl: this.s.kq_longest },
        { key: "service_level", value: this.pct(t.service_level), lbl: this.s.kq_sl },
        { key: "agents_needed", value: this.availNeed(q), lbl: this.s.kq_agents },
      ];
    },
    pct(v) {
      return v === null || v === undefined ? "—" : `${Math.round(v * 100)}%`;
    },
    secs(v) {
      return v === null || v === undefined ? "—" : fmtDuration(v);
    },
    longestNow(q) {
      if (!q.waiting.length) return null;
      return Math.max(0, this.serverNow() - Math.min(...q.waiting.map((w) => w.joined)));
    },
    stats(q) {
      const t = q.today;
      const ln = this.longestNow(q);
      return [
        { key: "waiting_now", value: String(t.waiting_now), big: true },
        { key: "longest_waiting_now", value: ln === null ? "—" : fmtDuration(ln), big: true,
          since: q.waiting.length ? Math.min(...q.waiting.map((w) => w.joined)) : null },
        { key: "service_level", value: this.pct(t.service_level), big: true },
        { key: "answered", value: String(t.answered) },
        { key: "abandoned", value: String(t.abandoned) },
        { key: "abandon_rate", value: this.pct(t.abandon_rate) },
        { key: "asa", value: this.secs(t.asa) },
        { key: "agents_needed", value: this.availNeed(q) },
      ];
    },
    label(key) {
      if (key === "agents_needed") return this.s.agents_avail_need;
      return this.config.metrics[key] ? this.config.metrics[key].label : key;
    },
    fmtDur(secs) {
      return fmtDuration(secs);
    },
    tooltip(key) {
      const m = this.config.metrics[key];
      const text = m ? `${m.label} = ${m.formula}. ${m.explanation}` : key;
      return key === "agents_needed" ? `${this.s.members_note} ${text}` : text;
    },
    showExplain(q, st) {
      const m = this.config.metrics[st.key];
      const t = q.today;
      const counts = {
        [this.config.metrics.offered.label]: t.offered,
        [this.config.metrics.answered.label]: t.answered,
        [`${this.config.metrics.answered.label} ≤ ${q.sl_threshold}${this.s.sec}`]: t.answered_within_sl,
        [this.config.metrics.abandoned.label]: t.abandoned,
        [this.config.metrics.short_abandoned.label]: t.short_abandoned,
        [this.config.metrics.waiting_now.label]: t.waiting_now,
      };
      const key = st.key;
      const few = q.few && (st.key === "service_level" || st.key === "abandon_rate");
      const fewText = few ? ` ${this.s.few_calls.replace("{n}", this.config.minCalls)}` : "";
      this.explain = {
        title: `${q.n}: ${this.label(st.key)} = ${st.value}`,
        formula: m ? m.formula : "",
        text: (key === "agents_needed" ? `${this.s.members_note} ` : "") + (m ? m.explanation : "") + fewText,
        counts: Object.entries(counts),
      };
    },
    beep() {
      // One beep per alarm however many boards of this kiosk show the queue.
      if (Date.now() - (window.wallboardBeeped || 0) < 1500) return;
      window.wallboardBeeped = Date.now();
      try {
        const ctx = this.audio || new (window.AudioContext || window.webkitAudioContext)();
        [0, 0.35].forEach((at, i) => {
          const o = ctx.createOscillator();
          const g = ctx.createGain();
          o.frequency.value = i ? 660 : 880;
          g.gain.value = 0.2;
          o.connect(g).connect(ctx.destination);
          o.start(ctx.currentTime + at);
          o.stop(ctx.currentTime + at + 0.25);
        });
      } catch (e) {
        console.warn("alarm sound unavailable", e);
      }
    },
    tick(second = false) {
      // Every second (`second`), and after each delta (new tiles get their colour at once).
      const now = this.serverNow();
      const root = this.$el;
      if (!root || !root.querySelectorAll) return;
      // Rotation (kiosk): board i of n is shown in its slot of every n × rotate seconds.
      const rot = this.config.rotate;
      if (rot && this.config.slots > 1) {
        this.visible = Math.floor(Date.now() / 1000 / rot) % this.config.slots === this.config.slot;
      }
      // Reading the layout forces it: once a second is enough (a resize is observed).
      if (this.config.kiosk && second) this.kioskTick();
      const agentTh = this.config.thresholds.agent;
      for (const el of root.querySelectorAll("[data-since]")) {
        const since = Number(el.dataset.since);
        const secs = Math.max(0, now - since);
        const text = fmtDuration(secs);
        el.textContent = text;
        if (el.classList.contains("wb-val")) {
          // A wait past 9:59 or an hour is longer text: the kiosk steps its size down.
          el.classList.toggle("long", text.length === 5 || text.length === 6);
          el.classList.toggle("vlong", text.length > 6);
        }
        const key = el.dataset.th;
        if (key !== undefined) {
          const lv = levelOf(secs, agentTh[key], false);
          const tile = el.closest(".wb-tile");
          if (tile && tile.dataset.lv !== lv) tile.dataset.lv = lv;
        }
      }
      for (const el of root.querySelectorAll(".wb-occ")) {
        // kpis.occupancy: busy / logged in today, the closed seconds plus the open status.
        const [busy, inside, from] = el.dataset.occ.split(" ").map(Number);
        const k = el.dataset.k;
        const open = Math.max(0, now - from);
        const den = inside + (k === "logged_out" ? 0 : open);
        const text = den > 0 ? `${Math.round((100 * (busy + (BUSY.has(k) ? open : 0))) / den)}%` : "—";
        if (el.textContent !== text) el.textContent = text;
      }
      for (const q of Object.values(this.queues)) {
        const levels = this.lv.q[q.id] || {};
        let worst = "ok";
        for (const [k, [lv]] of Object.entries(levels)) {
          if (RANK[lv] > RANK[worst]) worst = lv;
          const el = root.querySelector(`[data-q="${q.id}"] [data-metric="${k}"]`);
          if (el && el.dataset.lv !== lv) el.dataset.lv = lv;
        }
        const tile = root.querySelector(`.wb-queue[data-q="${q.id}"]`);
        if (tile) {
          if (tile.dataset.lv !== worst) tile.dataset.lv = worst;
          const risk = this.atRisk(q) ? "1" : "";
          if (tile.dataset.risk !== risk) tile.dataset.risk = risk;
          const flash = Date.now() < (this.flashUntil[q.id] || 0) ? "1" : "";
          if (tile.dataset.flash !== flash) tile.dataset.flash = flash;
          const badge = tile.querySelector(".wb-badge-lv");
          if (badge && badge.textContent !== MARK[worst]) {
            badge.textContent = MARK[worst];
            badge.dataset.word = this.levelWord(worst); // shown beside it where there is room
          }
        }
        if (this.newAlarm(q.id, levels)) {
          // A new alarm flashes and sounds when it begins, even on a board rotated out.
          this.flashUntil[q.id] = Date.now() + 4000;
          if (this.config.sound) this.beep();
        }
      }
      if (this.config.kiosk) this.floorTick(root, now);
      this.updateBanner(now);
    },
    kioskTick() {
      this.measure();
      const resort = (this.config.resortSeconds ?? 10) * 1000;
      if (this.sortBy === "time" && Date.now() - this.sortedAt >= resort) this.orderVersion += 1;
      // Burn-in care: the whole board moves a few pixels every shiftSeconds, round a square.
      const px = this.config.shiftPixels || 0;
      if (px && this.$el.style) {
        const step = Math.floor(Date.now() / 1000 / (this.config.shiftSeconds || 60)) % 8;
        const [dx, dy] = [[0, 0], [1, 0], [1, 1], [0, 1], [-1, 1], [-1, 0], [-1, -1], [0, -1]][step];
        const tr = `translate(${dx * px}px, ${dy * px}px)`;
        if (this.$el.style.transform !== tr) this.$el.style.transform = tr;
      }
    },
    floorTick(root, now) {
      const f = this.floorFigures;
      const longest = f.first === null ? null : Math.max(0, now - f.first);
      for (const [k, [lv]] of Object.entries(this.lv.floor || {})) {
        const el = root.querySelector(`.wb-floor [data-metric="${k}"]`);
        if (el && el.dataset.lv !== lv) el.dataset.lv = lv;
      }
      const el = root.querySelector('.wb-floor [data-metric="longest_waiting_now"] .wb-val');
      const text = longest === null ? "—" : fmtDuration(longest);
      if (el && el.textContent !== text) el.textContent = text;
    },
    updateBanner(now) {
      const s = this.s;
      const quiet = Date.now() - this.lastMessage;
      const lostAfter = Math.max(5000, Math.min(this.config.staleAfter * 1000, 15000));
      let text = "";
      let kind = "";
      const h = this.head;
      // The page's own socket (NiceGUI's): down, it says so at the next tick (within 1 s),
      // not only once the server has been quiet for `lostAfter`.
      const socketDown = window.socket && !window.socket.connected;
      if (quiet > lostAfter) {
        const t = this.fmtTime.format(new Date(this.lastMessage));
        text = `${s.server_lost} ${t}`;
        kind = "lost";
      } else if (socketDown) {
        const t = this.fmtTime.format(new Date(this.lastMessage));
        text = `${s.reconnecting} · ${s.data_of} ${t}`;
        kind = "lost";
      } else if (h && h.conn.state !== "connected") {
        const lost = h.conn.link === "cluster" ? s.cluster_down : s.vendor_down;
        text = `${lost}: ${h.conn.state}${h.conn.since ? " · " + this.timeOf(h.conn.since) : ""}`;
        kind = "down";
      } else if (h && h.conn.alive === null) {
        text = s.no_events;
        kind = "stale";
      } else if (h && now - h.conn.alive > this.config.staleAfter) {
        // Same rule as wallboard/core/health.py, ticking here between deltas.
        text = `${s.stale_since} ${this.timeOf(h.conn.alive)}`;
        kind = "stale";
      }
      if (text !== this.banner) this.banner = text;
      if (kind !== this.bannerKind) this.bannerKind = kind;
      const last = h && h.conn.last !== null
        ? this.fmtTimeSec.format(new Date((h.conn.last - h.shift) * 1000)) : "—";
      const lastText = `${s.last_event}: ${last}`;
      if (lastText !== this.lastEventText) this.lastEventText = lastText;
    },
  },
  template: `
  <div class="wb" :class="{ 'wb-kiosk': config.kiosk, 'wb-stale': bannerKind !== '' }" :dir="config.dir" :lang="config.lang"
       v-show="visible" :data-board="config.board">
    <div class="wb-banner" v-if="banner" role="alert" :data-kind="bannerKind">⚠ {{ banner }}</div>
    <template v-if="config.kiosk">
    <div class="wb-alerts" v-if="openAlerts.length" role="status" :data-n="openAlerts.length">
      <span class="wb-alerts-icon" aria-hidden="true">⚠</span>
      <bdi class="wb-alerts-one" dir="auto" v-if="openAlerts.length === 1">{{
        config.lang === 'he' ? openAlerts[0].th : openAlerts[0].t }}</bdi>
      <template v-else>
        <span class="wb-alerts-count">{{ openAlerts.length }} {{ s.alerts_open }}:</span>
        <span class="wb-alerts-names"><span v-for="(a, i) in alertNames" :key="a.key"
          class="wb-alerts-name"><bdi dir="auto">{{ a.n }}</bdi>{{ i + 1 !== alertNames.length ? "," : "" }}</span></span>
        <span class="wb-alerts-more" v-if="alertsHidden">+{{ alertsHidden }}</span>
      </template>
    </div>
    <header class="wb-ktop">
      <!-- First in the row: its place depends on no text that changes (the last event's age
           beside it resized the title and moved the button under a pointer). -->
      <button class="wb-sound" v-if="config.sound && soundOff" @click="enableSound" role="alert">
        🔇 {{ s.sound_off }}</button>
      <h1 class="wb-title"><bdi dir="auto">{{ config.title }}</bdi></h1>
      <bdi class="wb-short" v-if="short" :dir="config.dir" :title="short">{{ short }}</bdi>
      <div class="wb-count wb-callbacks" v-if="head && head.callbacks" :data-open="head.callbacks.open">
        <b>{{ head.callbacks.open }}</b> {{ s.callbacks_open }}</div>
      <div class="wb-last">{{ lastEventText }}</div>
    </header>
    <section class="wb-floor" v-if="has('summary')">
      <div class="wb-fig" data-metric="waiting_now" :title="tooltip('waiting_now')">
        <bdi class="wb-val">{{ floorFigures.waiting }}</bdi><span class="wb-lbl">{{ s.k_waiting }}</span></div>
      <div class="wb-fig" data-metric="longest_waiting_now" :title="tooltip('longest_waiting_now')">
        <bdi class="wb-val">—</bdi><span class="wb-lbl">{{ s.k_longest }}</span></div>
      <div class="wb-fig" data-metric="service_level" :title="tooltip('service_level')">
        <bdi class="wb-val">{{ floorFigures.few ? "—" : pct(floorFigures.sl) }}</bdi>
        <span class="wb-lbl">{{ s.sl_today }}</span></div>
      <div v-for="k in ['available', 'on_call', 'on_break']" :key="k" class="wb-fig wb-cat"
           :class="'cat-' + k" :data-cat="k">
        <bdi class="wb-val">{{ counts[k] }}</bdi><span class="wb-lbl">{{ s[k] }}</span></div>
    </section>
    <section class="wb-queues wb-kqueues" v-if="has('queues') && queueList.length"
             :class="{ narrow: kioskQueues.cols > 5 }"
             :style="{ gridTemplateColumns: 'repeat(' + kioskQueues.cols + ', minmax(0, 1fr))' }">
      <div v-for="q in kioskQueues.tiles" :key="q.id" class="wb-queue wb-kq" :data-q="q.id"
           :data-few="q.few ? 1 : null" :data-alert="alertOf(q.id)">
        <div class="wb-kq-head">
          <bdi class="wb-queue-name" dir="auto">{{ q.n }}</bdi>
          <!-- A badge is never a cut word: "at risk" and an alert are their shape and colour
               (the strip names the alerts); the level's word shows where the tile is wide. -->
          <span class="wb-badge wb-badge-alert" v-if="alertOf(q.id)" :title="s.alert_word">!</span>
          <span class="wb-badge wb-badge-risk" :title="s.sl_risk">⚑</span>
          <span class="wb-badge wb-badge-lv"></span>
        </div>
        <div class="wb-stats">
          <div v-for="st in kioskStats(q)" :key="st.key" class="wb-stat" :data-metric="st.key"
               :title="tooltip(st.key)">
            <bdi class="wb-val" :data-since="st.since ?? null"
                 :class="{ long: st.value.length === 5 || st.value.length === 6, vlong: st.value.length > 6 }">{{ st.value }}</bdi>
            <span class="wb-lbl">{{ st.lbl }}</span>
          </div>
        </div>
      </div>
      <div class="wb-kq wb-kq-rest" v-if="kioskQueues.rest.length" :data-rest="kioskQueues.rest.length"
           :style="{ gridColumn: 'span ' + kioskQueues.span }">
        <b class="wb-rest-n">{{ restText }}</b>
        <span class="wb-rest-names"><bdi v-for="r in kioskQueues.rest" :key="r.q.id" dir="auto"
          :data-need="r.need">{{ r.q.n }}</bdi></span>
      </div>
    </section>
    <section class="wb-kagents" v-if="has('agents')" :data-shown="kiosk.tiles.length"
             :data-more="kiosk.more" :data-out="kiosk.out">
      <kiosk-tile v-for="t in kiosk.tiles" :key="t.a.x" :a="t.a" :box="t.box" :cfg="config"
                  :queues="queues" :data-alert="agentAlert(t.a.x)"></kiosk-tile>
      <div class="wb-more" v-if="kiosk.grid && (kiosk.more || kiosk.out)" :style="{
             transform: 'translate(' + kiosk.moreBox.x + 'px,' + kiosk.moreBox.y + 'px)',
             width: kiosk.moreBox.w + 'px', height: kiosk.moreBox.h + 'px',
             fontSize: kiosk.moreBox.f + 'px' }">
        <b v-if="kiosk.more" class="wb-more-n">+{{ kiosk.more }} {{ s.more }}</b>
        <span v-if="kiosk.out" class="wb-out-n">{{ kiosk.out }} {{ s.logged_out }}</span>
      </div>
    </section>
    </template>
    <template v-else>
    <header class="wb-head">
      <h1 class="wb-title">{{ config.title }}</h1>
      <bdi class="wb-short" v-if="short" :dir="config.dir" :title="short">{{ short }}</bdi>
      <div class="wb-summary" v-if="has('summary')">
        <component :is="config.kiosk ? 'div' : 'button'"
                v-for="k in ['available', 'on_call', 'on_break', 'logged_out']" :key="k"
                class="wb-count" :class="['cat-' + k, { on: filterCat === k }]" :data-cat="k"
                @click="pickCat(k)">
          <b>{{ counts[k] }}</b> <span>{{ s[k] }}</span>
        </component>
      </div>
      <component :is="config.kiosk ? 'div' : 'a'" class="wb-count wb-callbacks"
                 v-if="head && head.callbacks" :href="config.kiosk ? null : '/worklist'"
                 :title="tooltip('time_to_callback')" :data-open="head.callbacks.open">
        <b>{{ head.callbacks.open }}</b> <span>{{ s.callbacks_open }}</span>
        <span v-if="head.callbacks.ttc !== null"> · {{ s.time_to_callback }}
          <bdi class="wb-clock">{{ fmtDur(head.callbacks.ttc) }}</bdi></span>
      </component>
      <div class="wb-last">{{ lastEventText }}</div>
    </header>
    <div class="wb-controls" v-if="!config.kiosk && has('agents') && agentTotal > 1">
      <input class="wb-filter" v-model="filterText" :placeholder="s.filter" :aria-label="s.filter">
      <label>{{ s.sort }}
        <select v-model="sortBy" class="wb-sort">
          <option value="status">{{ s.sort_status }}</option>
          <option value="name">{{ s.sort_name }}</option>
          <option value="extension">{{ s.sort_extension }}</option>
          <option value="time">{{ s.sort_time }}</option>
        </select>
      </label>
    </div>
    <section class="wb-queues" v-if="has('queues') && queueList.length">
      <div v-for="q in queueList" :key="q.id" class="wb-queue" :data-q="q.id"
           :data-few="q.few ? 1 : null" :data-alert="alertOf(q.id)">
        <component :is="config.links ? 'a' : 'div'" :href="config.links ? config.links.queue + q.id : null"
                   class="wb-queue-name">{{ q.n }}</component>
        <div class="wb-stats">
          <div v-for="st in stats(q)" :key="st.key" class="wb-stat" :class="{ big: st.big }"
               :data-metric="st.key" :title="tooltip(st.key)" tabindex="0"
               @click="showExplain(q, st)" @keydown.enter="showExplain(q, st)">
            <bdi class="wb-val" v-if="st.since !== undefined && st.since !== null" :data-since="st.since">{{ st.value }}</bdi>
            <bdi class="wb-val" v-else>{{ st.value }}</bdi>
            <span class="wb-lbl">{{ label(st.key) }}</span>
          </div>
        </div>
      </div>
    </section>
    <section class="wb-waiting" v-if="has('waiting') && queueList.length && (waitingList.length || !config.kiosk)">
      <h2>{{ s.waiting_calls }} <bdi class="wb-waiting-n">({{ waitingList.length }})</bdi></h2>
      <div v-if="!waitingList.length" class="wb-none">{{ s.no_waiting }}</div>
      <ol v-else>
        <li v-for="w in waitingList" :key="w.id" class="wb-wait">
          <span class="wb-q">{{ w.qn }}</span>
          <bdi class="wb-num">{{ w.num }}</bdi>
          <span class="wb-clock" :data-since="w.joined">{{ clock(w.joined) }}</span>
        </li>
      </ol>
    </section>
    <section class="wb-top" v-if="has('top') && topAgents.length">
      <h2>{{ s.top_of_day }}</h2>
      <ol><li v-for="a in topAgents" :key="a.x" class="wb-top-row" :data-ext="a.x">
        <bdi class="wb-name" dir="auto">{{ a.n }}</bdi>
        <span :title="config.metrics.agent_answered.label"><b class="wb-top-n">{{ a.answered }}</b> {{ s.answered }}</span>
        <span v-if="a.f && a.f[1] !== null" :title="config.metrics.agent_handle_time.label">{{ s.fig_aht }}
          <b>{{ fmtDur(a.f[1]) }}</b></span>
      </li></ol>
    </section>
    <section class="wb-agents" v-if="has('agents')">
      <agent-tile v-for="a in agentList" :key="a.x" :a="a" :cfg="config" :queues="queues"
                  :now="serverNow" :data-alert="agentAlert(a.x)"></agent-tile>
    </section>
    </template>
    <div class="wb-explain" v-if="explain" role="dialog" @click="explain = null">
      <div class="wb-explain-box" @click.stop>
        <h3>{{ explain.title }}</h3>
        <p class="wb-formula" v-if="explain.formula"><b>{{ s.definition }}:</b> {{ explain.formula }}</p>
        <p>{{ explain.text }}</p>
        <table><tr v-for="[k, v] in explain.counts" :key="k"><td>{{ k }}</td><td><bdi>{{ v }}</bdi></td></tr></table>
        <button @click="explain = null">✕</button>
      </div>
    </div>
  </div>`,
};
