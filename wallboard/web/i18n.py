"""The board's words in English and Hebrew; status names come from `settings.statuses.names`."""

from __future__ import annotations

from typing import Literal

from wallboard.config import Settings
from wallboard.core.kpis import METRICS
from wallboard.core.models import AgentState

__all__ = ["Lang", "direction", "metric_texts", "status_names", "strings", "t"]

Lang = Literal["en", "he"]

_STRINGS: dict[str, tuple[str, str]] = {
    "available": ("Available", "זמינים"),
    "on_call": ("On call", "בשיחה"),
    "on_break": ("Break", "בהפסקה"),
    "logged_out": ("Logged out", "מנותקים"),
    "agents": ("Agents", "נציגים"),
    "queues": ("Queues", "תורים"),
    "waiting_calls": ("Waiting calls", "שיחות ממתינות"),
    "no_waiting": ("Nobody waiting", "אין ממתינים"),
    "stale_since": ("Data stale since", "הנתונים לא עודכנו מאז"),
    "server_lost": ("Connection to the wallboard server lost since", "החיבור לשרת נותק מאז"),
    "vendor_down": ("Telephony connection", "חיבור למרכזייה"),
    "last_event": ("Last event", "אירוע אחרון"),
    "no_events": ("No events yet", "טרם התקבלו אירועים"),
    "callbacks_open": ("To call back", "לחזור אליהם"),
    "time_to_callback": ("avg callback in", "זמן חזרה ממוצע"),
    "missed": ("Missed", "לא נענו"),
    "answered": ("Answered", "נענו"),
    "agents_available": ("Agents available", "נציגים זמינים"),
    "incoming": ("In", "נכנסת"),
    "outgoing": ("Out", "יוצאת"),
    "outgoing_calls": ("Outgoing calls", "שיחות יוצאות"),
    "sort": ("Sort", "מיון"),
    "filter": ("Filter", "סינון"),
    "sort_status": ("Status", "סטטוס"),
    "sort_name": ("Name", "שם"),
    "sort_extension": ("Extension", "שלוחה"),
    "sort_time": ("Time in status", "זמן בסטטוס"),
    "all": ("All", "הכל"),
    "boards": ("Boards", "לוחות"),
    "history": ("History", "היסטוריה"),
    "callbacks": ("Callbacks", "חזרה ללקוחות"),
    "login": ("Log in", "כניסה"),
    "logout": ("Log out", "יציאה"),
    "user": ("User", "משתמש"),
    "password": ("Password", "סיסמה"),
    "bad_login": ("Wrong user or password", "משתמש או סיסמה שגויים"),
    "open_mode": (
        "No users configured: these pages are open to anyone who can reach them",
        "לא הוגדרו משתמשים: הדפים פתוחים לכל מי שמגיע אליהם",
    ),
    "agent": ("Agent", "נציג"),
    "queue": ("Queue", "תור"),
    "extension": ("Extension", "שלוחה"),
    "status": ("Status", "סטטוס"),
    "set_status": ("Change status", "שינוי סטטוס"),
    "status_changed": ("Status change sent", "שינוי הסטטוס נשלח"),
    "failed": ("Failed", "נכשל"),
    "today": ("Today", "היום"),
    "current_calls": ("Current calls", "שיחות נוכחיות"),
    "no_board": ("No such board", "אין לוח כזה"),
    "no_agent": ("No such agent", "אין נציג כזה"),
    "no_queue": ("No such queue", "אין תור כזה"),
    "forbidden": ("Not allowed", "אין הרשאה"),
    "members_note": (
        "Agents of this queue: from team configuration and today's calls (the vendor's "
        "events do not say who belongs to a queue).",
        "נציגי התור: לפי הגדרת הצוותים והשיחות של היום (אירועי המרכזייה אינם מציינים שיוך לתור).",
    ),
    "sec": ("s", "ש׳"),
    "definition": ("Definition", "הגדרה"),
    "counts": ("Counts", "ספירות"),
}

# Fallback names for states that are not a status code (the code names come from settings).
_STATE_NAMES: dict[AgentState, tuple[str, str]] = {
    AgentState.AVAILABLE: ("Available", "זמין"),
    AgentState.RINGING: ("Ringing", "מצלצל"),
    AgentState.DIALING: ("Dialing", "מחייג"),
    AgentState.TALKING: ("Talking", "בשיחה"),
    AgentState.HOLD: ("On hold", "בהמתנה"),
    AgentState.BREAK: ("Break", "הפסקה"),
    AgentState.LOGGED_OUT: ("Logged out", "מנותק"),
}


def t(key: str, lang: Lang) -> str:
    """One UI string in `lang` (the key itself when unknown, so a gap is visible)."""
    pair = _STRINGS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "he" else pair[0]


def strings(lang: Lang) -> dict[str, str]:
    """Every UI string in `lang`, for the browser."""
    return {k: t(k, lang) for k in _STRINGS}


def direction(lang: Lang) -> Literal["ltr", "rtl"]:
    """Text direction of a language."""
    return "rtl" if lang == "he" else "ltr"


def status_names(settings: Settings, lang: Lang) -> dict[str, str]:
    """Names of states ('talking') and break codes ('break:3') as configured."""
    out = {s.value: (he if lang == "he" else en) for s, (en, he) in _STATE_NAMES.items()}
    for code, name in settings.statuses.names.items():
        out[f"break:{code}"] = (name.he or name.en) if lang == "he" else name.en
        out[f"code:{code}"] = out[f"break:{code}"]
    return out


def metric_texts(lang: Lang) -> dict[str, dict[str, str]]:
    """Label, formula and explanation of every metric (`kpis.METRICS`), for the tooltips."""
    return {
        k: {
            "label": m.label_he if lang == "he" else m.label_en,
            "formula": m.formula,
            "explanation": m.explanation,
        }
        for k, m in METRICS.items()
    }
