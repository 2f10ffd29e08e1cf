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

function levelOf(value, lv, lowerIsWorse) {
  if (value === null || value === undefined || !lv) return "ok";
  const [warn, alarm] = lv;
  const worse = (v, t) => t !== null && t !== undefined && (lowerIsWorse ? v < t : v >= t);
  if (worse(value, alarm)) return "alarm";
  if (worse(value, warn)) return "warn";
  return "ok";
}

const RANK = { ok: 0, warn: 1, alarm: 2 };

const AgentTile = {
  props: ["a", "cfg", "queues", "now"],
  computed: {
    statusName() {
      const names = this.cfg.statusNames;
      if (this.a.s === "break") return names["break:" + this.a.c] || names.break;
      return names[this.a.s] || this.a.s;
    },
    call() {
      return this.a.calls.length ? this.a.calls[0] : null;
    },
    queueName() {
      const c = this.call;
      if (!c || !c.q) return "";
      const q = this.queues[c.q];
      return q ? q.n : String(c.q);
    },
    icon() {
      return ICON[this.a.s] || "?";
    },
    href() {
      return this.cfg.links ? this.cfg.links.agent + this.a.x : null;
    },
  },
  methods: {
    clock(since) {
      return fmtDuration(this.now() - since);
    },
  },
  template: `
    <component :is="href ? 'a' : 'div'" :href="href" class="wb-tile" :class="'st-' + a.s"
         :data-ext="a.x" :data-state="a.s">
      <div class="wb-tile-top">
        <span class="wb-name">{{ a.n }}</span>
        <span class="wb-ext">{{ a.x }}</span>
      </div>
      <div class="wb-status">
        <span class="wb-icon" aria-hidden="true">{{ icon }}</span>
        <span class="wb-status-name">{{ statusName }}</span>
        <span class="wb-clock" :data-since="a.since" :data-th="a.k">{{ clock(a.since) }}</span>
      </div>
      <div class="wb-call" v-if="call">
        <span class="wb-dir">{{ call.dir === 'incoming' ? cfg.strings.incoming : cfg.strings.outgoing }}</span>
        <span class="wb-q" v-if="queueName">{{ queueName }}</span>
        <bdi class="wb-num">{{ call.num }}</bdi>
        <span class="wb-clock" :data-since="call.since">{{ clock(call.since) }}</span>
      </div>
      <div class="wb-missed" v-if="a.missed" :title="cfg.metrics.agent_missed.formula">
        {{ cfg.strings.missed }}: <b>{{ a.missed }}</b>
      </div>
    </component>`,
};

export default {
  components: { AgentTile },
  props: { config: Object },
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
      pageText: "",
    };
  },
  created() {
    // Kept out of Vue's reactivity: replaced wholesale per delta, counted by `version`.
    this.agents = {};
    this.queues = {};
    this.offset = null; // server now − browser now, seconds
    this.lastMessage = Date.now();
    this.alarmed = new Set();
    this.queueLevels = {};
  },
  mounted() {
    if (!INSTANCES.has(this.config.board)) INSTANCES.set(this.config.board, new Set());
    INSTANCES.get(this.config.board).add(this);
    this.timer = setInterval(() => this.tick(), 1000);
    this.fmtTime = new Intl.DateTimeFormat(this.config.lang === "he" ? "he-IL" : "en-GB", {
      timeZone: this.config.tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23",
    });
    this.fmtTimeSec = new Intl.DateTimeFormat(this.config.lang === "he" ? "he-IL" : "en-GB", {
      timeZone: this.config.tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
    });
    // Ask for a snapshot if none came soon after loading (the server also sends one on connect).
    this.askTimer = setTimeout(() => { if (this.seq === null) this.$emit("resync"); }, 3000);
    this.tick();
  },
  unmounted() {
    INSTANCES.get(this.config.board)?.delete(this);
    clearInterval(this.timer);
    clearTimeout(this.askTimer);
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
      const by = this.sortBy;
      const name = (a, b) => a.n.localeCompare(b.n, this.config.lang);
      if (by === "name") list.sort(name);
      else if (by === "extension") list.sort((a, b) => a.x - b.x);
      else if (by === "time") list.sort((a, b) => a.since - b.since || name(a, b));
      else list.sort((a, b) => (ORDER[a.s] ?? 9) - (ORDER[b.s] ?? 9) || a.since - b.since || name(a, b));
      return list;
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
    queueThresholds(id) {
      return this.config.thresholds.queues[String(id)] || this.config.thresholds.queue;
    },
    statLevels(q, longestNow) {
      const th = this.queueThresholds(q.id);
      const t = q.today;
      return {
        waiting_now: levelOf(t.waiting_now, th.waiting, false),
        longest_waiting_now: levelOf(longestNow, th.longest, false),
        service_level: levelOf(t.service_level === null ? null : t.service_level * 100, th.sl, true),
        abandon_rate: levelOf(t.abandon_rate === null ? null : t.abandon_rate * 100, th.abandon, false),
      };
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
        { key: "agents_available", value: q.avail == null ? "—" : String(q.avail) },
      ];
    },
    label(key) {
      if (key === "agents_available") return this.s.agents_available;
      return this.config.metrics[key] ? this.config.metrics[key].label : key;
    },
    fmtDur(secs) {
      return fmtDuration(secs);
    },
    tooltip(key) {
      if (key === "agents_available") return this.s.members_note;
      const m = this.config.metrics[key];
      return m ? `${m.label} = ${m.formula}. ${m.explanation}` : key;
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
      this.explain = {
        title: `${q.n}: ${this.label(st.key)} = ${st.value}`,
        formula: m ? m.formula : "",
        text: m ? m.explanation : this.s.members_note,
        counts: Object.entries(counts),
      };
    },
    beep() {
      try {
        const ctx = new (window.AudioContext || window.webkitAudioContext)();
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
    tick() {
      const now = this.serverNow();
      const root = this.$el;
      if (!root || !root.querySelectorAll) return;
      // Rotation (kiosk): board i of n is shown in its slot of every n × rotate seconds.
      const rot = this.config.rotate;
      if (rot && this.config.slots > 1) {
        this.visible = Math.floor(Date.now() / 1000 / rot) % this.config.slots === this.config.slot;
      }
      if (this.config.kiosk) this.pageAgents();
      const agentTh = this.config.thresholds.agent;
      for (const el of root.querySelectorAll("[data-since]")) {
        const since = Number(el.dataset.since);
        const secs = Math.max(0, now - since);
        el.textContent = fmtDuration(secs);
        const key = el.dataset.th;
        if (key !== undefined) {
          const lv = levelOf(secs, agentTh[key], false);
          const tile = el.closest(".wb-tile");
          if (tile && tile.dataset.lv !== lv) tile.dataset.lv = lv;
        }
      }
      for (const q of Object.values(this.queues)) {
        const levels = this.statLevels(q, this.longestNow(q));
        let worst = "ok";
        for (const [k, lv] of Object.entries(levels)) {
          if (RANK[lv] > RANK[worst]) worst = lv;
          const el = root.querySelector(`[data-q="${q.id}"] [data-metric="${k}"]`);
          if (el && el.dataset.lv !== lv) el.dataset.lv = lv;
        }
        const tile = root.querySelector(`.wb-queue[data-q="${q.id}"]`);
        if (tile && tile.dataset.lv !== worst) tile.dataset.lv = worst;
        if (worst === "alarm" && !this.alarmed.has(q.id)) {
          this.alarmed.add(q.id);
          if (this.config.sound && this.visible) this.beep();
        } else if (worst !== "alarm") this.alarmed.delete(q.id);
      }
      this.updateBanner(now);
    },
    pageAgents() {
      // A kiosk has no scroll bar: when the tiles do not fit, show them a screenful at a
      // time, turning every 10 s, and say which page this is.
      const el = this.$el.querySelector(".wb-agents");
      if (!el || !el.parentElement) return;
      // Turn by whole rows, so no page shows a tile cut in half: the list is as tall as
      // the whole rows that fit below the queues.
      const first = el.firstElementChild;
      const gap = parseFloat(getComputedStyle(el).rowGap) || 0;
      const room = this.$el.getBoundingClientRect().bottom - el.getBoundingClientRect().top;
      const row = first ? first.offsetHeight + gap : room;
      const rows = Math.max(1, Math.floor((room + gap) / row));
      const height = `${Math.max(0, rows * row - gap - 1)}px`;
      if (el.style.maxHeight !== height) el.style.maxHeight = height;
      const step = rows * row;
      const pages = Math.max(1, Math.ceil((el.scrollHeight + gap) / step));
      const page = pages > 1 ? Math.floor(Date.now() / 10000) % pages : 0;
      const top = page * step;
      if (el.scrollTop !== top) el.scrollTop = top;
      const text = pages > 1 ? `${page + 1}/${pages}` : "";
      if (text !== this.pageText) this.pageText = text;
    },
    updateBanner(now) {
      const s = this.s;
      const quiet = Date.now() - this.lastMessage;
      const lostAfter = Math.max(5000, Math.min(this.config.staleAfter * 1000, 15000));
      let text = "";
      let kind = "";
      const h = this.head;
      if (quiet > lostAfter) {
        const t = this.fmtTime.format(new Date(this.lastMessage));
        text = `${s.server_lost} ${t}`;
        kind = "lost";
      } else if (h && h.conn.state !== "connected") {
        text = `${s.vendor_down}: ${h.conn.state}${h.conn.since ? " · " + this.timeOf(h.conn.since) : ""}`;
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
  <div class="wb" :class="{ 'wb-kiosk': config.kiosk }" :dir="config.dir" :lang="config.lang"
       v-show="visible" :data-board="config.board">
    <div class="wb-banner" v-if="banner" role="alert" :data-kind="bannerKind">⚠ {{ banner }}</div>
    <header class="wb-head">
      <h1 class="wb-title">{{ config.title }}</h1>
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
      <div class="wb-page" v-if="pageText">{{ pageText }}</div>
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
      <div v-for="q in queueList" :key="q.id" class="wb-queue" :data-q="q.id">
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
      <h2>{{ s.waiting_calls }}</h2>
      <div v-if="!waitingList.length" class="wb-none">{{ s.no_waiting }}</div>
      <ol v-else>
        <li v-for="w in waitingList" :key="w.id" class="wb-wait">
          <span class="wb-q">{{ w.qn }}</span>
          <bdi class="wb-num">{{ w.num }}</bdi>
          <span class="wb-clock" :data-since="w.joined">{{ clock(w.joined) }}</span>
        </li>
      </ol>
    </section>
    <section class="wb-agents" v-if="has('agents')">
      <agent-tile v-for="a in agentList" :key="a.x" :a="a" :cfg="config" :queues="queues"
                  :now="serverNow"></agent-tile>
    </section>
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
