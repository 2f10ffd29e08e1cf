"""Configuration: a TOML file plus environment overrides, validated into frozen settings.

Every key of every section can be overridden by `WALLBOARD_<SECTION>_<KEY>` (upper case),
which is how secrets (passwords, tokens, the CDR secret) stay out of the file. Every
problem is reported at once, each naming its source (the file and the key, or the
environment variable) and what was expected.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

from wallboard.core.models import DEFAULT_STATUS_NAMES, FoldSettings
from wallboard.errors import ConfigError

__all__ = [
    "ALL_BOARD",
    "ApiSettings",
    "AuthSettings",
    "BoardSettings",
    "CdrSettings",
    "DaySettings",
    "KioskSettings",
    "KioskToken",
    "KpiSettings",
    "Level",
    "LogSettings",
    "MetricsSettings",
    "PrivacySettings",
    "QueueKpiSettings",
    "QueueThresholds",
    "RetentionSettings",
    "Settings",
    "SimulatorSettings",
    "StatusName",
    "StoreSettings",
    "TeamSettings",
    "ThresholdSettings",
    "UserSettings",
    "VendorSettings",
    "WebSettings",
    "data_dir",
    "example_config",
    "load_settings",
    "secrets_of",
]

ENV_PREFIX = "WALLBOARD_"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VendorSettings(_Section):
    """How to reach the vendor's realtime service (docs/voicenter.md: Login, The socket)."""

    login_type: Literal["user", "account", "token"] = "account"
    login_api: Literal["legacy", "identity"] = "legacy"
    login_url: str = "https://loginapi.voicenter.co.il/monitorAPI/Login"
    settings_url: str = ""
    refresh_url: str = ""
    email: str = ""
    username: str = ""
    password: SecretStr | None = None
    token: SecretStr | None = None
    protocol: Literal["auto", "eio3", "eio4"] = "auto"
    # Per server (host or URL as in URLList/MonitorList) overrides of `protocol`.
    server_protocols: dict[str, Literal["auto", "eio3", "eio4"]] = {}
    # Use these monitor servers instead of the ones the login returns (in order).
    servers: list[str] = []
    keepalive_seconds: float = Field(60.0, gt=0)
    # Our Engine.IO pings (EIO3): at most this far apart, and a pong must come within this
    # long. On EIO4 (the server pings) the same timers drive our `keepalive` probe.
    ping_interval_seconds: float = Field(10.0, gt=0)
    # A server that answers nothing within this long after our ping is dead.
    pong_timeout_seconds: float = Field(8.0, gt=0)
    backoff_min_seconds: float = Field(2.0, gt=0)
    # The longest delay between rounds of servers after failures (from backoff_min_seconds).
    backoff_max_seconds: float = Field(120.0, gt=0)
    # After the vendor refuses our credentials, wait this long before trying again.
    auth_retry_seconds: float = Field(300.0, gt=0)
    # Give up on a monitor server's socket that does not open within this long.
    connect_timeout_seconds: float = Field(10.0, gt=0)
    # Give up on a login request that does not answer within this long.
    login_timeout_seconds: float = Field(15.0, gt=0)
    # Ask for `resync` when the snapshots have not arrived this long after loginSuccess.
    snapshot_timeout_seconds: float = Field(5.0, gt=0)
    # Renew the socket token this long before it expires (the SDK: 5 s), never sooner than
    # 2 s after it was issued; then the socket is re-opened with it.
    refresh_before_seconds: float = Field(5.0, ge=0)
    # When the vendor's expiry cannot be read: log in afresh after this many seconds.
    expiry_fallback_seconds: float = Field(1800.0, gt=0)
    record_dir: str = ""
    # The recordings folder is kept under this size (the oldest files go first).
    record_max_mb: int = Field(512, gt=0)
    # A recording file is closed and a new one started at this size.
    record_file_max_mb: int = Field(64, gt=0)


class QueueKpiSettings(_Section):
    """Per-queue overrides of the KPI thresholds."""

    # This queue's service-level threshold (empty: `[kpi] sl_threshold_seconds`).
    sl_threshold_seconds: int | None = Field(None, ge=0)


class KpiSettings(_Section):
    """How today's numbers are counted (docs/metrics.md)."""

    sl_threshold_seconds: int = Field(20, ge=0)
    short_abandon_seconds: int = Field(5, ge=0)
    # Below this many calls (answered + abandoned − short abandons) today, a queue's service
    # level and abandon rate show "—": one late call must not read as "SL 0 %".
    min_calls: int = Field(5, ge=0)
    # Seconds of after-call work (wrap-up, and the ring before an answer) per answered
    # call: the CDRs carry talk time only, and staffing needs the agents' whole time per call.
    wrap_seconds: int = Field(0, ge=0)
    queues: dict[int, QueueKpiSettings] = {}


class DaySettings(_Section):
    """When the day's numbers reset."""

    timezone: str = "Asia/Jerusalem"
    # Local time (in `timezone`) at which today's numbers start again.
    reset_at: time = time(0, 0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (expected e.g. 'Asia/Jerusalem')") from None
        return v


class StatusName(_Section):
    """How one `representativeStatus` code is shown."""

    # The name in English.
    en: str
    # The name in Hebrew (empty: the English one).
    he: str = ""


def _default_status_names() -> dict[int, StatusName]:
    return {code: StatusName(en=en, he=he) for code, (en, he) in DEFAULT_STATUS_NAMES.items()}


class StatusSettings(_Section):
    """Names of the agent status codes (the account may rename them)."""

    # The `representativeStatus` code that means available.
    available_code: int = 1
    # The `representativeStatus` code that means logged out.
    logout_code: int = 2
    names: dict[int, StatusName] = Field(default_factory=_default_status_names)


class WebSettings(_Section):
    """The web server: boards, JSON API and webhooks."""

    host: str = "127.0.0.1"
    # The port the boards, the JSON routes and the CDR webhook are served on.
    port: int = Field(8080, ge=1, le=65535)
    language: Literal["en", "he"] = "en"
    stale_after_seconds: float = Field(30.0, gt=0)
    # How long a tab's socket may be silent before the server gives the tab up (NiceGUI's
    # reconnect timeout; its ping timeout is 0.4 of it). At NiceGUI's 3 s a TV or a loaded
    # machine that stalls 2 s is dropped and the page reloads, blank for a moment; the board
    # says "reconnecting" on its own within a second of losing the socket either way.
    reconnect_seconds: float = Field(10.0, ge=3, le=120)
    storage_secret: SecretStr | None = None
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or
    # networks); from anyone else those headers are ignored. Empty: no proxy.
    trusted_proxies: list[str] = []
    # Always mark the session cookie Secure (the site is only ever reached over HTTPS).
    # Without it the cookie is Secure on every request that came over TLS anyway.
    secure_cookies: bool = False
    # How often the publisher pushes coalesced deltas to every open board.
    publish_interval_seconds: float = Field(0.1, gt=0, le=2.0)
    # Origins besides the page's own that may open the live socket or send a form (a
    # reverse proxy that rewrites Host); everything else is refused (docs/access.md).
    allowed_origins: list[str] = []

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _proxy_list(cls, v: object) -> object:
        return _comma_list(v)

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies(cls, v: list[str]) -> list[str]:
        return _check_networks(v)


class Level(_Section):
    """A warn/alarm pair for one number (None: never)."""

    # At or past this: amber (▲ Warning).
    warn: float | None = None
    # At or past this: red (⚠ Alarm).
    alarm: float | None = None


class QueueThresholds(_Section):
    """When a queue's numbers turn amber (warn) and red (alarm)."""

    # Calls waiting in the queue now.
    waiting: Level = Level(warn=3, alarm=6)
    # The longest wait of a caller in the queue now.
    longest_wait_seconds: Level = Level(warn=60, alarm=120)
    # Today's service level: lower is worse (warn 80: amber below 80 %).
    service_level_percent: Level = Level(warn=80, alarm=70)
    # Today's abandon rate.
    abandon_rate_percent: Level = Level(warn=5, alarm=10)


class ThresholdSettings(_Section):
    """Queue thresholds (default + per queue id) and agent time-in-status thresholds."""

    queue: QueueThresholds = QueueThresholds()
    queues: dict[int, QueueThresholds] = {}
    # A level must hold this long before a tile turns (and clear as long before it turns back).
    hold_seconds: float = Field(10.0, ge=0)
    # Keyed like the time-per-status tallies: "break:3" (lunch), "talking", "ringing", ...
    agent_seconds: dict[str, Level] = Field(
        default_factory=lambda: {
            "break:3": Level(warn=1500, alarm=1800),
            "ringing": Level(warn=15, alarm=30),
        }
    )


class TeamSettings(_Section):
    """A team: its agents, the queues it answers, and its department."""

    # The team's name on screens.
    name: str = ""
    # The department it belongs to (boards may pick departments).
    department: str = ""
    # Its agents' extensions.
    extensions: list[int] = []
    # The queues it answers (its agents count as available for them).
    queues: list[int] = []


# Opt-in, desk boards: "agent_figures" (each agent tile also shows calls handled, handle
# time and occupancy), "top" (the day's five agents with the most calls answered).
Widget = Literal["summary", "queues", "waiting", "agents", "agent_figures", "top"]


# The built-in board of every queue and agent: it always exists, whatever the editor saved
# (saving "all" changes it, e.g. hides it from the navigation; deleting it brings it back).
ALL_BOARD = "all"


class BoardSettings(_Section):
    """One board: which queues and agents it shows, and how."""

    # The board's title on screens.
    title: str = ""
    language: Literal["en", "he"] | None = None
    queues: list[int] = []  # empty: every queue
    # Agents shown besides those of its queues' teams.
    extensions: list[int] = []
    # Teams whose agents and queues it shows.
    teams: list[str] = []
    # Departments whose teams it shows.
    departments: list[str] = []
    # The parts shown, in order.
    widgets: list[Widget] = ["summary", "queues", "waiting", "agents"]
    sort: Literal["status", "name", "extension", "time"] = "status"
    sound: bool = False
    mask_callers: bool | None = None  # None: [privacy] mask_callers
    # This board's own warn/alarm levels for some queues (over `[thresholds.queues]`).
    thresholds: dict[int, QueueThresholds] = {}
    # Agents: only those of the teams that answer its queues (`[teams.*] queues`), besides
    # any picked; with no team answering them, every agent (who answers is not known).
    queue_agents: bool = False
    # Listed in the desk pages' navigation (off: a board for a TV, or "all" out of the way).
    nav: bool = True


class PrivacySettings(_Section):
    """What of a caller's number a screen may show."""

    mask_callers: bool = True
    # Digits left visible at the end of a masked number.
    visible_digits: int = Field(3, ge=0, le=10)


class UserSettings(_Section):
    """A team lead who may log in (hash from `wallboard hash-password`)."""

    # From `wallboard hash-password` (scrypt); never the password.
    password_hash: SecretStr
    # The name shown and audited.
    name: str = ""
    # Their pages' language (empty: `[web] language`).
    language: Literal["en", "he"] | None = None
    boards: list[str] = []  # empty: every board
    extension: int | None = None  # their phone: "call back" rings it first (Click2Call)
    # Further extensions an admin lets her call back from (a second desk); never typed by her.
    phones: list[int] = []
    admin: bool = False  # may open /admin (boards, users, kiosk tokens) and sees every board
    show_numbers: bool = False  # sees caller numbers in full on pages and in /api/state


class AuthSettings(_Section):
    """Who may log in; with no users at all the desk pages are open (say so loudly)."""

    users: dict[str, UserSettings] = {}
    # A TOML file with more `[users.<name>]` tables, kept apart from the main settings.
    users_file: str = ""
    session_hours: float = Field(12.0, gt=0)
    # Failed logins for one user name from one address before /login makes that address
    # wait for that name (growing delays); an address gets four times as many over all
    # names. Never per user name alone: a guesser elsewhere cannot lock a user out.
    max_failed_logins: int = Field(5, ge=1)


class KioskToken(_Section):
    """A read-only token for a TV: it opens `/kiosk` with these boards and nothing else."""

    # The token in the kiosk's URL (`?token=`); a long random string.
    token: SecretStr
    boards: list[str] = []  # empty: every board


class KioskSettings(_Section):
    """TV kiosks: tokens and defaults."""

    tokens: dict[str, KioskToken] = {}
    # A kiosk with several boards shows each this long.
    rotate_seconds: float = Field(30.0, ge=5)
    # Agents re-sort at most this often, so tiles stay put while someone reads them.
    resort_seconds: float = Field(10.0, ge=0)
    # Burn-in care: move everything by up to this many pixels once a minute (0: never).
    shift_pixels: int = Field(4, ge=0, le=40)
    # How often the burn-in shift moves the screen.
    shift_seconds: float = Field(60.0, ge=5)


def _check_networks(v: list[str]) -> list[str]:
    """Each entry an address or a network ("10.0.0.0/8")."""
    import ipaddress

    for n in v:
        try:
            ipaddress.ip_network(n, strict=False)
        except ValueError:
            raise ValueError(f"not an address or network: {n!r}") from None
    return v


def _comma_list(v: object) -> object:
    """A list from the environment comes as "a,b,c"."""
    if isinstance(v, str):
        return [p.strip() for p in v.split(",") if p.strip()]
    return v


class CdrSettings(_Section):
    """The vendor's CDR webhook (docs/voicenter.md, "CDR notification")."""

    enabled: bool = True
    # The webhook's path; the vendor posts to `<path>/<secret>` (or `<path>` with the header).
    path: str = "/vendor/cdr"
    # Required either in the path (`path` ending in the secret) or in this header.
    secret: SecretStr | None = None
    # Without a secret the webhook stays off (posts get Err 2, so the vendor retries)
    # unless this says open is meant.
    allow_unauthenticated: bool = False
    # The header that may carry the secret instead of the path.
    secret_header: str = "X-Wallboard-Secret"
    # Source addresses or networks allowed to post (empty: any).
    allow_ips: list[str] = []
    max_body_bytes: int = Field(1_000_000, gt=0)
    # CDR `time`: "local" = the wall clock of `day.timezone` read as epoch (the docs'
    # "Israel time"), "utc" = true UTC, "auto" = decide per CDR from its ivruniqueid.
    time_stamps: Literal["auto", "local", "utc"] = "auto"
    # Fill today from the Call Log API at start-up (needs `api.code`).
    backfill: bool = True

    @field_validator("path")
    @classmethod
    def _slash(cls, v: str) -> str:
        if not v.startswith("/"):
            raise ValueError("must start with '/'")
        return v

    @field_validator("allow_ips", mode="before")
    @classmethod
    def _ip_list(cls, v: object) -> object:
        return _comma_list(v)

    @field_validator("allow_ips")
    @classmethod
    def _networks(cls, v: list[str]) -> list[str]:
        return _check_networks(v)


class StoreSettings(_Section):
    """The database: CDRs, worklist, audit log. SQLite at `path` unless `url` is set."""

    # Empty: `wallboard.db` in the per-user data directory (`data_dir()`), never the cwd.
    path: str = ""
    # "postgresql://user:password@host:5432/db": a PostgreSQL shared by every process of
    # a cluster (docs/architecture.md, "Beyond one machine"). Empty: SQLite at `path`.
    url: SecretStr | None = None
    pool_size: int = Field(16, ge=1, le=200)
    # Before [retention]: the audit log's days. Still read when set and [retention] does
    # not set `audit_days` (docs/operations.md).
    retention_days: int | None = Field(None, ge=1)
    # Before [retention]: how often to prune. Still read when set and [retention] does not
    # set `every_hours`.
    prune_every_hours: float | None = Field(None, gt=0)

    @field_validator("url")
    @classmethod
    def _postgres(cls, v: SecretStr | None) -> SecretStr | None:
        if v is not None and v.get_secret_value():
            scheme = v.get_secret_value().split("://", 1)[0]
            if scheme not in ("postgresql", "postgres"):
                raise ValueError("expected a postgresql://… URL")
        return v

    def resolved_path(self) -> str:
        """`path`, or the database in the per-user data directory."""
        return self.path or str(data_dir() / "wallboard.db")


class RetentionSettings(_Section):
    """How long personal data is kept, in days (docs/operations.md, "Retention")."""

    # A CDR's caller and target numbers, its AI summary and the vendor's raw body (which
    # holds them): erased; the call's figures (times, queue, agent, outcome) stay, and with
    # them /history. Also the bodies refused into the quarantine.
    calls_days: int = Field(90, ge=1)
    callbacks_days: int = Field(90, ge=1)  # "call back" presses on the worklist
    status_log_days: int = Field(90, ge=1)  # agents' status changes
    alert_log_days: int = Field(90, ge=1)  # the alerts raised and cleared on the boards
    audit_days: int = Field(90, ge=1)  # who did what (supervisor actions, logins)
    # Pruned once at start-up and then this often; the database then shrinks.
    every_hours: float = Field(24.0, gt=0)


class MetricsSettings(_Section):
    """Prometheus metrics at `/metrics` (docs/operations.md)."""

    enabled: bool = True
    # When set, a scrape must send `Authorization: Bearer <token>`.
    token: SecretStr | None = None


class LogSettings(_Section):
    """How log lines look: readable text, or one JSON object a line for a collector."""

    format: Literal["text", "json"] = "text"
    # The lowest level logged (`-v` on the command line: DEBUG).
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class ApiSettings(_Section):
    """The vendor's REST APIs (Call Log, Active Calls, Extensions, Login/Logout, Click2Call)."""

    code: SecretStr | None = None
    # The Call Log API (backfill of today's CDRs).
    call_log_url: str = "https://api.voicenter.com/hub/cdr/"
    # The Click2Call API (call backs).
    click2call_url: str = "https://api.voicenter.com/ForwardDialer/click2call.aspx"
    # The vendor's reference leaves the Login/Logout URI blank: ask Voicenter for yours.
    login_logout_url: str = ""
    # The Extensions API.
    extensions_url: str = "https://monitor.voicenter.co.il/Comet/api/GetExtensions"
    # The Active Calls API, per extension.
    extensions_calls_url: str = "https://monapisec.voicenter.co.il/comet/API/GetExtensionsCalls"
    # The Active Calls API, per queue.
    queues_callers_url: str = "https://monapisec.voicenter.co.il/comet/API/GetQueuesCallers"
    call_log_per_minute: int = Field(30, gt=0)
    # Give up on a REST request that does not answer within this long.
    timeout_seconds: float = Field(15.0, gt=0)
    # Who may change statuses and place callbacks (empty: every signed-in team lead).
    allowed_actors: list[str] = []
    record_callbacks: bool = True

    @field_validator("allowed_actors", mode="before")
    @classmethod
    def _actor_list(cls, v: object) -> object:
        return _comma_list(v)


class SimulatorSettings(_Section):
    """The built-in vendor simulator (`wallboard simulate`, `wallboard demo`)."""

    host: str = "127.0.0.1"
    port: int = Field(8090, ge=0, le=65535)
    # The second (backup) monitor server the login lists, so that failover and failback
    # happen in the demo too: the same floor on another port (0: any free port).
    backup_port: int = Field(0, ge=0, le=65535)
    # Agents (extensions) on the simulated floor.
    agents: int = Field(40, ge=1, le=20000)
    # Queues on the simulated floor.
    queues: int = Field(5, ge=1, le=2000)
    speed: float = Field(1.0, ge=0.1, le=1000)
    seed: int = 1
    # "now", epoch seconds, "HH:MM" (today, Israeli time) or an ISO date-time.
    start: str = "now"
    scenario: str = ""
    flat_curve: bool = False
    # Names of agents and queues: "he" (Hebrew script) or "en"; the demo follows [web].
    language: Literal["en", "he"] = "en"
    # `wallboard demo` starts its floor this many days earlier and runs it fast to now, so
    # /history has these days of CDRs and agents' times in state are plausible
    # (0: only the last 12 hours, for the times in state).
    history_days: int = Field(7, ge=0, le=31)
    # And before those days, this many weeks of queue calls by a faster, coarser model of
    # the same floor (sim/model/archive.py), so the forecast has the same weekday over
    # several weeks to learn from (0: none).
    archive_weeks: int = Field(3, ge=0, le=12)
    username: str = "demo"
    # The password its account login accepts.
    password: SecretStr = SecretStr("demo")
    # The token its token login accepts.
    token: SecretStr = SecretStr("demo-token")
    # The `code` its REST APIs accept.
    api_code: SecretStr = SecretStr("demo-code")
    # How long the tokens it issues live.
    token_ttl_seconds: float = Field(3600.0, gt=0)
    ping_interval_ms: int = Field(60000, gt=0)
    # Engine.IO v3 ping timeout sent to clients.
    ping_timeout_ms: int = Field(180000, gt=0)
    cdr_url: str = ""
    # How it posts CDRs: "json", "form" or "xmlrpc" (as the vendor can).
    cdr_format: Literal["json", "form", "xmlrpc"] = "json"
    # Delays between retries of a CDR post not answered Err 0.
    cdr_retry_seconds: list[float] = [5.0, 30.0, 120.0, 600.0, 1800.0]


AlertMetric = Literal["waiting", "longest_wait", "service_level", "break_seconds"]


class AlertRule(_Section):
    """One alert: fires when a queue's (or an agent's) figure passes `fire`, clears when it
    is back past `clear` (hysteresis: a figure hovering at the line does not flap)."""

    metric: AlertMetric
    fire: float
    clear: float
    queues: list[int] = []  # empty: every queue (agent rules: every agent)
    # Service level only: not judged before this many calls counted today (docs/metrics.md).
    min_sample: int = Field(10, ge=0)
    boards: list[str] = []  # kiosks of these boards show the banner (empty: every board)
    message: str = ""  # what people read; empty: made from the rule
    # The same in Hebrew (empty: made from the rule).
    message_he: str = ""

    @model_validator(mode="after")
    def _hysteresis(self) -> AlertRule:
        # SL fires when it falls below `fire`; the others when they rise above it.
        low = self.metric == "service_level"
        if (low and self.clear < self.fire) or (not low and self.clear > self.fire):
            side = "above" if low else "below"
            raise ValueError(f"clear must be at or {side} fire for {self.metric}")
        return self


class AlertSettings(_Section):
    """Alerts that reach people: rules, and where they go besides desks and kiosks."""

    rules: dict[str, AlertRule] = {}
    # A Slack or Teams incoming-webhook URL: gets {"text": ...} when an alert fires/clears.
    webhook_url: SecretStr | None = None
    # How often the rules are evaluated.
    every_seconds: float = Field(2.0, gt=0, le=60)


class Settings(_Section):
    """All settings of one wallboard process."""

    source: Literal["simulator", "vendor"] = "simulator"
    # `NAME=value` lines read as if in the environment (the real environment wins); relative
    # to the settings file. Where `wallboard init-config` puts the secrets (mode 0600).
    env_file: str = ""
    vendor: VendorSettings = VendorSettings()
    kpi: KpiSettings = KpiSettings()
    day: DaySettings = DaySettings()
    statuses: StatusSettings = StatusSettings()
    web: WebSettings = WebSettings()
    cdr: CdrSettings = CdrSettings()
    store: StoreSettings = StoreSettings()
    retention: RetentionSettings = RetentionSettings()
    api: ApiSettings = ApiSettings()

    simulator: SimulatorSettings = SimulatorSettings()
    thresholds: ThresholdSettings = ThresholdSettings()
    teams: dict[str, TeamSettings] = {}
    boards: dict[str, BoardSettings] = {}
    privacy: PrivacySettings = PrivacySettings()
    auth: AuthSettings = AuthSettings()
    kiosk: KioskSettings = KioskSettings()
    alerts: AlertSettings = AlertSettings()
    metrics: MetricsSettings = MetricsSettings()
    log: LogSettings = LogSettings()

    def fold_settings(self) -> FoldSettings:
        """What the pure fold needs from all this."""
        return FoldSettings(
            sl_threshold=self.kpi.sl_threshold_seconds,
            sl_threshold_by_queue={
                q: o.sl_threshold_seconds
                for q, o in self.kpi.queues.items()
                if o.sl_threshold_seconds is not None
            },
            short_abandon=self.kpi.short_abandon_seconds,
            timezone=self.day.timezone,
            reset_at=self.day.reset_at,
            available_code=self.statuses.available_code,
            logout_code=self.statuses.logout_code,
        )


def data_dir() -> Path:
    """The per-user data directory (`WALLBOARD_DATA_DIR`, else platformdirs' user data dir)."""
    override = os.environ.get(f"{ENV_PREFIX}DATA_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("wallboard", appauthor=False))


def example_config() -> str:
    """The documented example settings file, as shipped inside the package."""
    return (Path(__file__).parent / "config.example.toml").read_text(encoding="utf-8")


def secrets_of(settings: Settings) -> list[str]:
    """Every secret value in the settings, for the log redaction filter."""
    found: list[SecretStr | None] = [
        settings.vendor.password,
        settings.vendor.token,
        settings.cdr.secret,
        settings.web.storage_secret,
        settings.api.code,
        settings.metrics.token,
    ]
    found += [k.token for k in settings.kiosk.tokens.values()]
    return [s.get_secret_value() for s in found if s is not None and s.get_secret_value()]


def _env_overrides(
    data: dict[str, Any], env: Mapping[str, str]
) -> tuple[dict[str, Any], dict[tuple[str, ...], str]]:
    """The data with environment overrides applied, and which variable set which key."""
    out = dict(data)
    names: dict[tuple[str, ...], str] = {}
    for name, field in Settings.model_fields.items():
        sub = field.annotation
        if isinstance(sub, type) and issubclass(sub, BaseModel):
            section = dict(out.get(name) or {})
            for key in sub.model_fields:
                var = f"{ENV_PREFIX}{name}_{key}".upper()
                value = env.get(var)
                if value is not None:
                    section[key] = value
                    names[(name, key)] = var
            if section:
                out[name] = section
        else:
            var = f"{ENV_PREFIX}{name}".upper()
            value = env.get(var)
            if value is not None:
                out[name] = value
                names[(name,)] = var
    return out, names


def _env_file(
    data: Mapping[str, Any], where: Path | None, env: Mapping[str, str]
) -> dict[str, str]:
    """The `env_file`'s variables (WALLBOARD_* only) beneath the real environment's.

    python-dotenv reads it: the same `NAME=value` lines, quotes and comments as systemd's
    `EnvironmentFile=`, so one file serves both. A file every user may read is refused: it
    holds the vendor password.
    """
    name = env.get(f"{ENV_PREFIX}ENV_FILE") or data.get("env_file") or ""
    if not isinstance(name, str) or not name:
        return dict(env)
    path = Path(name).expanduser()
    if not path.is_absolute() and where is not None:
        path = where.parent / path
    try:
        mode = path.stat().st_mode
        from dotenv import dotenv_values

        values = dotenv_values(path, interpolate=False)
    except FileNotFoundError:
        raise ConfigError(str(where or "(defaults)"), "env_file", f"no such file: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(
            str(where or "(defaults)"), "env_file", f"cannot read {path}: {e}"
        ) from None
    if mode & 0o004:
        raise ConfigError(
            str(where or "(defaults)"),
            "env_file",
            f"{path} is readable by every user; it holds secrets (chmod 600 {path})",
        )
    ours = {k: v for k, v in values.items() if k.startswith(ENV_PREFIX) and v is not None}
    return {**ours, **env}


def _key(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(p) for p in loc) or "(top level)"


def _problems(
    e: ValidationError, where: str, from_env: dict[tuple[str, ...], str]
) -> list[tuple[str, str, str]]:
    """Every problem as (source, key, problem); the source is the file or the variable."""
    out = []
    for err in e.errors():
        loc = err["loc"]
        problem = err["msg"]
        if err["type"] == "extra_forbidden":
            problem = "unknown key (see `wallboard init-config` for the documented example)"
        var = from_env.get(tuple(str(p) for p in loc[:2])) or from_env.get((str(loc[0]),))
        source = f"environment variable {var}" if var else where
        out.append((source, _key(loc), problem))
    return out


def load_settings(path: Path | None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate settings; a missing path means defaults (plus environment).

    Every problem is reported at once, each naming its source: the file and the key, or the
    environment variable that set it.
    """
    env = os.environ if env is None else env
    where = str(path) if path is not None else "(defaults)"
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(where, "(file)", "no such file") from None
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigError(where, "(file)", f"cannot read: {e}") from None
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(where, "(syntax)", str(e)) from None
    env = _env_file(data, path, env)
    data, from_env = _env_overrides(data, env)
    try:
        return Settings.model_validate(data)
    except ValidationError as e:
        problems = _problems(e, where, from_env)
        raise ConfigError(*problems[0], more=problems[1:]) from None
