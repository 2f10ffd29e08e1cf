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
    "reconnecting": ("Reconnecting to the wallboard server", "מתחבר מחדש לשרת"),
    "data_of": ("figures of", "נתונים מ־"),
    "vendor_down": ("Telephony connection", "חיבור למרכזייה"),
    # A cluster's web node lost its link to the cluster (NATS, or the ingest worker): the
    # data is as stale, but the phone system may be fine.
    "cluster_down": ("Connection to the wallboard cluster", "החיבור לאשכול השרתים"),
    "last_event": ("Last event", "אירוע אחרון"),
    "no_events": ("No events yet", "טרם התקבלו אירועים"),
    "callbacks_open": ("To call back", "לחזור אליהם"),
    "time_to_callback": ("avg callback in", "זמן חזרה ממוצע"),
    "missed": ("Missed", "לא נענו"),
    "answered": ("Answered", "נענו"),
    "agents_available": ("Agents available", "נציגים זמינים"),
    "agents_avail_need": ("Agents available / needed", "נציגים זמינים / נדרשים"),
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
    "forecast": ("Forecast", "תחזית"),
    "callbacks": ("Callbacks", "חזרה ללקוחות"),
    "login": ("Log in", "כניסה"),
    "logout": ("Log out", "יציאה"),
    "user": ("User", "משתמש"),
    "password": ("Password", "סיסמה"),
    "bad_login": ("Wrong user or password", "משתמש או סיסמה שגויים"),
    "login_wait": (
        "Too many failed logins: try again in {s} seconds",
        "יותר מדי ניסיונות כניסה כושלים: נסו שוב בעוד {s} שניות",
    ),
    "open_mode": (
        "No users configured: these pages are open to anyone who can reach them",
        "לא הוגדרו משתמשים: הדפים פתוחים לכל מי שמגיע אליהם",
    ),
    "agent": ("Agent", "נציג"),
    "queue": ("Queue", "תור"),
    "extension": ("Extension", "שלוחה"),
    "status": ("Status", "סטטוס"),
    "set_status": ("Change status", "שינוי סטטוס"),
    "status_changed": ("Status changed", "הסטטוס שונה"),
    "pending": ("Waiting for the phone system", "ממתין למרכזייה"),
    "confirm_logout": (
        "Log this agent out? They leave every queue until they log in again.",
        "לנתק את הנציג? הוא ייצא מכל התורים עד שיתחבר שוב.",
    ),
    "cancel": ("Cancel", "ביטול"),
    "logout_agent": ("Log out", "ניתוק"),
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
    # The kiosk: short labels that fit a tile across the room.
    "k_waiting": ("Waiting", "ממתינים"),
    "k_longest": ("Longest wait", "המתנה ארוכה"),
    "k_sl": ("Service level", "רמת שירות"),
    "k_agents": ("Avail. / needed", "זמינים / נדרשים"),
    # A queue tile's own labels: a tile is a quarter of the width of a floor figure, and
    # a cut word ("Service l…") is what a wall must never show.
    "kq_longest": ("Longest", "הארוכה"),
    "kq_sl": ("SL", "רמת שירות"),
    "kq_agents": ("Avail./need", "זמין/נדרש"),
    "sl_today": ("Service level today", "רמת שירות היום"),
    "sl_risk": ("At risk", "בסיכון"),
    "level_warn": ("Warning", "אזהרה"),
    "level_alarm": ("Alarm", "התראה"),
    "alert_word": ("Alert", "התרעה"),
    "call_word": ("call", "שיחה"),
    # A desk tile's day figures (widget "agent_figures"): short, the tooltips say the rest.
    "fig_calls": ("calls", "שיחות"),
    "fig_aht": ("AHT", "זמן טיפול"),
    "fig_occ": ("occ.", "תפוסה"),
    "top_of_day": ("Top of the day", "המובילים היום"),
    "queues_on_target": ("queues on target", "תורים ביעד"),
    "queues_more": ("more queues", "תורים נוספים"),
    "alerts_open": ("alerts", "התרעות"),
    "sound_off": ("Sound off — click to enable", "הצליל כבוי — לחצו להפעלה"),
    "more": ("more", "נוספים"),
    "few_calls": (
        "Shown as — until the queue has {n} calls today, so one late call is not an alarm.",
        "מוצג כ־— עד שיהיו בתור {n} שיחות היום, כדי ששיחה אחת מאוחרת לא תיראה כהתראה.",
    ),
    "definition": ("Definition", "הגדרה"),
    "counts": ("Counts", "ספירות"),
}

# The words of the server-rendered pages (/history, /call, /worklist), in the same table style and
# found by the same `t`; kept apart only so `strings` does not send them to every board.
# Keys must not repeat `_STRINGS` ones: a page reuses those ("history", "queue", ...).
_PAGE_STRINGS: dict[str, tuple[str, str]] = {
    # The board editor by name (pages/board_form.py) and "Show on a TV" (pages/tv.py)
    "board_queues_named": ("Queues (none: all)", "תורים (ריק: כולם)"),
    "board_agents": ("More agents", "נציגים נוספים"),
    "board_queue_agents": (
        "Only the agents who answer these queues",
        "רק הנציגים שעונים לתורים האלה",
    ),
    "board_nav": ("In the navigation bar", "בסרגל הניווט"),
    "board_levels_named": (
        "Levels of each queue (empty: the level in force, shown grey)",
        "ספים לכל תור (ריק: הסף הקיים, באפור)",
    ),
    "lv_waiting": ("Waiting", "ממתינים"),
    "lv_longest": ("Longest, s", "הארוכה, שנ׳"),
    "lv_sl": ("SL %", "רמת שירות %"),
    "lv_abandon": ("Abandon %", "נטישה %"),
    "built_in": ("built in", "מובנה"),
    "open_board": ("Open", "פתיחה"),
    "not_in_nav": ("not in the navigation", "לא בסרגל הניווט"),
    "show_on_tv": ("Show on a TV", "הצגה בטלוויזיה"),
    "tv_title": ("Show on a TV", "הצגה בטלוויזיה"),
    "tv_secret": (
        "Anyone with this address sees this board: share it like a password. "
        "Revoke it when a TV is gone.",
        "כל מי שיש לו את הכתובת רואה את הלוח: שתפו אותה כמו סיסמה. בטלו אותה כשמסך יוצא משימוש.",
    ),
    "tv_open_mode": (
        "Open mode (no users): this address needs no token. Add users to protect the boards.",
        "מצב פתוח (אין משתמשים): הכתובת לא צריכה אסימון. הוסיפו משתמשים כדי להגן על הלוחות.",
    ),
    "tv_address": ("Kiosk address", "כתובת הקיוסק"),
    "tv_qr": (
        "Scan it with the TV's browser (or a phone, then cast it).",
        "סרקו בדפדפן של הטלוויזיה (או בטלפון ומשם לשדר).",
    ),
    "tv_command": ("On a kiosk PC, run", "במחשב קיוסק, הריצו"),
    "tv_revoke": ("Revoke this address", "ביטול הכתובת"),
    "tv_revoked": (
        "Revoked: TVs showing it go blank within 10 seconds.",
        "בוטלה: מסכים שמציגים אותה יתרוקנו תוך 10 שניות.",
    ),
    "copy": ("Copy", "העתקה"),
    "copied": ("Copied", "הועתק"),
    "close": ("Close", "סגירה"),
    # /forecast, and the "short" line on boards and kiosks
    "forecast_title": ("Where the day is heading", "לאן היום הולך"),
    "today_on_forecast": ("Today {p} on forecast so far", "היום {p} לעומת התחזית עד כה"),
    "today_as_forecast": ("Today as forecast so far", "היום כמו התחזית עד כה"),
    "no_forecast": (
        "No forecast yet: it needs the same weekday in the weeks before",
        "אין תחזית עדיין: נדרש אותו יום בשבוע מהשבועות הקודמים",
    ),
    "forecast_weeks": ("from {n} weeks of the same weekday", "מ־{n} שבועות של אותו יום בשבוע"),
    "as_of": ("as of {t}", "נכון ל־{t}"),
    "offered_by_half_hour": ("Calls offered per half-hour", "שיחות נכנסות לפי חצי שעה"),
    "offered_actual": ("Offered", "הוצעו"),
    "forecast_line": ("Forecast", "תחזית"),
    "expected_line": ("Expected at today's pace", "צפי לפי הקצב של היום"),
    "agents_by_half_hour": ("Agents per half-hour", "נציגים לפי חצי שעה"),
    "needed_a": ("Needed (Erlang A)", "נדרשים (ארלנג A)"),
    "needed_a_time": ("Agent-time (Erlang A)", "זמן נציגים (ארלנג A)"),
    "needed_c": ("Needed (Erlang C)", "נדרשים (ארלנג C)"),
    "logged_in_now": ("Logged in now", "מחוברים כעת"),
    "short_span": ("short {n} agents {span}", "חסרים {n} נציגים {span}"),
    "short_span_one": ("short 1 agent {span}", "חסר נציג אחד {span}"),
    "over_span": ("{n} agents over {span}", "{n} נציגים מעבר לנדרש {span}"),
    "over_span_one": ("1 agent over {span}", "נציג אחד מעבר לנדרש {span}"),
    "staffed_ok": ("Staffed for the rest of the day", "מאויש כנדרש עד סוף היום"),
    "no_members": (
        "Agents logged in unknown: no team lists this queue's agents yet",
        "מספר המחוברים לא ידוע: אף צוות עוד לא מונה את נציגי התור",
    ),
    "patience": ("Callers' patience ≈ {t} (from abandons)", "סבלנות המתקשרים ≈ {t} (לפי נטישות)"),
    "rolling": ("The last 15, 30 and 60 minutes", "15, 30 ו־60 הדקות האחרונות"),
    "window_min": ("Minutes", "דקות"),
    "sl_vs_target": ("Service level / target", "רמת שירות / יעד"),
    # /history
    "all_queues": ("All queues", "כל התורים"),
    "offered_by_hour": ("Calls offered by hour", "שיחות לפי שעה"),
    "offered_today": ("Offered today", "הוצעו היום"),
    "offered_avg7": ("Offered, 7-day avg", "הוצעו, ממוצע 7 ימים"),
    "abandoned_today": ("Abandoned today", "נטשו היום"),
    "abandoned_avg7": ("Abandoned, 7-day avg", "נטשו, ממוצע 7 ימים"),
    "queues_by_day": ("Queues: today and the last 7 days", "תורים: היום ו-7 הימים האחרונים"),
    "day": ("Day", "יום"),
    "agents_today": ("Agents today", "נציגים היום"),
    "department": ("Department", "מחלקה"),
    "departments_today": ("Departments today", "מחלקות היום"),
    "categories_today": ("Call categories today (AI)", "נושאי שיחות היום (AI)"),
    "ai_insights": ("AI insights", "תובנות AI"),
    "category": ("Category", "נושא"),
    "emotions": ("Emotions", "רגשות"),
    "calls_today": ("Calls today", "שיחות היום"),
    "calls_avg7": ("Calls, 7-day avg", "שיחות, ממוצע 7 ימים"),
    # /agent/<ext>, /queue/<id>
    "timeline": ("Today's statuses", "הסטטוסים של היום"),
    "not_watched": ("Not seen by the wallboard", "לפני שהלוח עקב"),
    "talk_time": ("Talk time", "זמן שיחה"),
    "answered_within_sl": ("Answered within the SL threshold", "נענו בתוך זמן היעד"),
    # /call/<id>
    "no_cdr_for_call": ("No CDR for call", "אין רשומת שיחה (CDR) עבור השיחה"),
    "call": ("Call", "שיחה"),
    "started": ("Started", "שעת התחלה"),
    "call_type": ("Type", "סוג"),
    "caller": ("Caller", "מתקשר"),
    "target": ("Target", "יעד"),
    "waited_in_queue_s": ("Waited in queue (s)", "המתנה בתור (שניות)"),
    "talk_s": ("Talk (s)", "זמן שיחה (שניות)"),
    "source": ("Source", "מקור"),
    "source_webhook": ("CDR webhook", "רשומת שיחה מהמרכזייה"),
    "source_calllog": ("Call Log", "יומן השיחות"),
    # /worklist
    "abandoned_callers": ("Abandoned callers", "מתקשרים שנטשו"),
    "team_lead": ("Team lead", "ראש צוות"),
    "my_extension": ("My extension", "השלוחה שלי"),
    "need_name_and_extension": ("Enter your name and extension first", "נא להזין שם ושלוחה"),
    "no_phone": (
        "No extension is set for you: an admin sets it in Users",
        "לא הוגדרה לך שלוחה: מנהל מגדיר אותה במסך המשתמשים",
    ),
    "callback_failed_notice": ("Call back failed", "החזרת השיחה נכשלה"),
    "calling": ("Calling", "מתקשר אל"),
    "from_extension": ("from extension", "משלוחה"),
    "open_count": ("Open", "פתוחים"),
    "reached_count": ("Reached", "הושגו"),
    "avg_time_to_callback": ("Avg time to callback", "זמן ממוצע עד חזרה"),
    "no_callbacks_waiting": ("Nobody is waiting for a call back.", "אין מי שממתין לחזרה."),
    "waited": ("waited", "המתין"),
    # "abandoned <m:ss> ago" reads "נטש לפני <m:ss>" in Hebrew: "ago" is empty there.
    "abandoned_ago": ("abandoned", "נטש לפני"),
    "ago": ("ago", ""),
    "called_back": ("called back", "חזרו אליו"),
    "callback_failed": ("call back failed", "החזרה נכשלה"),
    "by": ("by", "על ידי"),
    "ext": ("ext", "שלוחה"),
    "call_back": ("Call back", "חזרה"),
    "reached_since": ("Called back or reached", "חזרו אליהם או הושגו"),
    "reached": ("reached", "הושג"),
    "after_abandoning": ("after abandoning", "אחרי הנטישה"),
    "called_back_by": ("called back by", "חזר אליו"),
    "audit_log": ("Audit log", "יומן פעולות"),
    "all_board": ("All queues", "כל התורים"),
    "no_actions": ("No actions yet", "אין פעולות עדיין"),
    "no_rows": ("Nothing yet", "אין נתונים עדיין"),
    "messages": ("Messages to the floor", "הודעות לרצפה"),
    "boards_admin": ("Boards", "לוחות"),
    "tokens_admin": ("Kiosk tokens", "אסימוני קיוסק"),
    "board_edit": ("Board", "לוח"),
    "board_name": ("Name (in the address)", "שם (בכתובת)"),
    "board_title": ("Title", "כותרת"),
    "board_teams": ("Teams", "צוותים"),
    "board_departments": ("Departments", "מחלקות"),
    "board_widgets": ("Widgets", "רכיבים"),
    "board_sort": ("Sort agents by", "מיון נציגים לפי"),
    "board_language": ("Language", "שפה"),
    "board_sound": ("Sound", "צליל"),
    "save": ("Save", "שמירה"),
    "saved": ("Saved", "נשמר"),
    "new_board": ("New board", "לוח חדש"),
    "preview": ("Preview", "תצוגה מקדימה"),
    "edit": ("Edit", "עריכה"),
    "duplicate": ("Duplicate", "שכפול"),
    "delete": ("Delete", "מחיקה"),
    "token_name": ("Token name", "שם האסימון"),
    "token_boards": ("Boards", "לוחות"),
    "make_token": ("Make token", "יצירת אסימון"),
    "token_once": (
        "Copy the token now: it is shown only once",
        "העתיקו את האסימון עכשיו: הוא מוצג פעם אחת בלבד",
    ),
    "revoke": ("Revoke", "ביטול"),
    "revoked": ("revoked", "בוטל"),
    "users_admin": ("Users", "משתמשים"),
    "password_short": ("a password has at least 10 characters", "סיסמה היא לפחות 10 תווים"),
    "user_display": ("Display name", "שם לתצוגה"),
    "user_boards": ("Boards (none: all)", "לוחות (ריק: כולם)"),
    "user_admin": ("admin", "מנהל"),
    "user_phones": (
        "More extensions to call back from (e.g. 210, 211)",
        "שלוחות נוספות להחזרת שיחות (למשל 210, 211)",
    ),
    "user_numbers": ("sees caller numbers", "רואה מספרי מתקשרים"),
    "from_config": ("from the configuration file", "מקובץ ההגדרות"),
    "alert_log": ("Alerts", "התראות"),
    "alert_at": ("When", "מתי"),
    "alert_state": ("State", "מצב"),
    "alert_rule": ("Rule", "כלל"),
    "alert_text": ("Alert", "התראה"),
    "alert_fired": ("fired", "הופעלה"),
    "alert_cleared": ("cleared", "בוטלה"),
    "no_alerts": ("No alerts today", "אין התראות היום"),
    # /alerts: open alerts handled, rules made in the page, the webhook's test.
    "open_alerts": ("Open alerts", "התראות פתוחות"),
    "no_open_alerts": ("No open alerts", "אין התראות פתוחות"),
    "alert_since": ("since {at}", "מאז {at}"),
    "ack": ("Acknowledge", "אישור"),
    "ack_note": ("Note (optional)", "הערה (לא חובה)"),
    "snooze_n": ("Snooze {n} min", "השהיה {n} דק׳"),
    "acked_by": ("Acknowledged by {who} at {at}", "אושרה על ידי {who} ב-{at}"),
    "snoozed_by": ("Snoozed by {who} until {until}", "הושהתה על ידי {who} עד {until}"),
    "handle_sign_in": (
        "Sign in as a team lead to acknowledge or snooze alerts (an admin adds users in"
        " Users, or in the configuration file).",
        "כדי לאשר או להשהות התראות יש להתחבר כראש צוות (מנהל מוסיף משתמשים בדף המשתמשים"
        " או בקובץ ההגדרות).",
    ),
    "alert_rules": ("Alert rules", "כללי התראה"),
    "new_rule": ("New rule", "כלל חדש"),
    "rule_name": ("Rule name", "שם הכלל"),
    "rule_name_hint": (
        "lower-case letters, digits, - and _",
        "אותיות לטיניות קטנות, ספרות, - ו-_",
    ),
    "rule_metric": ("Figure", "מדד"),
    "metric_waiting": ("Callers waiting", "ממתינים בתור"),
    "metric_longest_wait": ("Longest wait (seconds)", "המתנה ארוכה ביותר (שניות)"),
    "metric_service_level": ("Service level (%)", "רמת שירות (%)"),
    "metric_break_seconds": ("Time on break (seconds)", "זמן בהפסקה (שניות)"),
    "rule_fire": ("Alert level", "רמת התראה"),
    "rule_clear": ("Clear level", "רמת ביטול"),
    "rule_min_sample": ("Minimum calls", "מינימום שיחות"),
    "rule_queues": ("Queues (none: all)", "תורים (ללא בחירה: כולם)"),
    "rule_boards": ("Boards (none: all)", "לוחות (ללא בחירה: כולם)"),
    "rule_message": (
        "Message in English (empty: made from the rule)",
        "הודעה באנגלית (ריק: לפי הכלל)",
    ),
    "rule_message_he": (
        "Message in Hebrew (empty: made from the rule)",
        "הודעה בעברית (ריק: לפי הכלל)",
    ),
    "every_board": ("every board", "כל הלוחות"),
    "rule_levels_text": ("alert at {fire}, clear at {clear}", "התראה ב-{fire}, ביטול ב-{clear}"),
    "rule_saved": ("Rule saved: in force now", "הכלל נשמר ופועל מעכשיו"),
    "rule_deleted": ("Rule deleted", "הכלל נמחק"),
    "rule_fix": ("Please fix the fields marked below.", "יש לתקן את השדות המסומנים."),
    "preview_today": ("How often today?", "כמה פעמים היום?"),
    "preview_fired": (
        "Would have fired {n} times today: {when}",
        "הייתה מופעלת {n} פעמים היום: {when}",
    ),
    "preview_none": ("Would not have fired today.", "לא הייתה מופעלת היום."),
    "webhook_test": ("Send a test to the webhook", "שליחת בדיקה ל-webhook"),
    "webhook_ok": ("The webhook took the test message.", "ה-webhook קיבל את הודעת הבדיקה."),
    "webhook_failed": ("The test failed: {why}", "הבדיקה נכשלה: {why}"),
    "rule_err_required": ("Required", "שדה חובה"),
    "rule_err_negative": ("Must be 0 or more", "חייב להיות 0 או יותר"),
    "rule_err_over": ("At most {top}", "לכל היותר {top}"),
    "rule_err_clear_below": (
        "Service level alerts when it falls below {fire}: the clear level must be {fire} or more",
        "רמת שירות מתריעה כשהיא יורדת מתחת ל-{fire}: רמת הביטול חייבת להיות {fire} או יותר",
    ),
    "rule_err_clear_above": (
        "This figure alerts when it rises above {fire}: the clear level must be {fire} or less",
        "מדד זה מתריע כשהוא עולה מעל {fire}: רמת הביטול חייבת להיות {fire} או פחות",
    ),
    "rule_err_name_form": (
        "Lower-case letters, digits, - and _ (up to 40), starting with a letter or digit",
        "אותיות לטיניות קטנות, ספרות, - ו-_ (עד 40), שמתחילות באות או בספרה",
    ),
    "rule_err_name_fixed": (
        "A rule of the configuration file has this name (change it there)",
        "לכלל מקובץ ההגדרות יש שם זה (משנים אותו שם)",
    ),
    "rule_err_name_taken": (
        "A rule with this name exists: pick another name, or edit that rule",
        "כלל בשם זה קיים: יש לבחור שם אחר או לערוך אותו",
    ),
    "rule_err_metric_unknown": ("Pick a figure", "יש לבחור מדד"),
    "rule_err_whole_number": ("A whole number, 0 or more", "מספר שלם, 0 או יותר"),
    "rule_err_unknown_queues": ("No such queues: {which}", "אין תורים כאלה: {which}"),
    "rule_err_unknown_boards": ("No such boards: {which}", "אין לוחות כאלה: {which}"),
    "rule_err_boards_needed": ("Pick at least one of your boards", "יש לבחור לפחות לוח אחד שלך"),
    "rule_err_not_your_boards": ("Not your boards: {which}", "לא הלוחות שלך: {which}"),
    "rule_err_not_your_queues": ("Not your queues: {which}", "לא התורים שלך: {which}"),
    "rule_err_too_long": ("At most {max} characters", "לכל היותר {max} תווים"),
    "message_text": ("Message", "הודעה"),
    "minutes_short": ("min", "דק׳"),
    "for_how_long": ("For", "למשך"),
    "message_boards": ("Boards (none: all yours)", "לוחות (ריק: כל שלך)"),
    "post": ("Post", "פרסום"),
    "posted": ("Posted to the floor", "פורסם לרצפה"),
    "until": ("until", "עד"),
    "remove": ("Remove", "הסרה"),
    "last_changes": ("Status changes today", "שינויי סטטוס היום"),
    "change_at": ("When", "מתי"),
    "change_to": ("To", "אל"),
    "change_from": ("From", "מ"),
    "change_by": ("By", "על ידי"),
    "by_phone": ("phone system", "המרכזייה"),
    "no_changes": ("No status changes today", "אין שינויי סטטוס היום"),
    "no_changes_since": (
        "No status changes since the wallboard connected at {t}",
        "אין שינויי סטטוס מאז שהלוח התחבר ב־{t}",
    ),
    "status_since": ("On {s} since {t}", "{s} מאז {t}"),
    "status_since_before": (
        "On {s} since before {t} (connected at {t})",
        "{s} מאז לפני {t} (הלוח התחבר ב־{t})",
    ),
    "status_since_known_before": (
        "On {s} since {a} (before the wallboard connected at {t})",
        "{s} מאז {a} (לפני שהלוח התחבר ב־{t})",
    ),
    "before_time": ("before {t}", "לפני {t}"),
    "calls_whole_day": ("Calls today (whole day)", "שיחות היום (כל היום)"),
    "status_time_today": ("Time in each status today", "זמן בכל סטטוס היום"),
    "status_time_since": (
        "Time in each status since the wallboard connected at {t}",
        "זמן בכל סטטוס מאז שהלוח התחבר ב־{t}",
    ),
    "audit_at": ("When", "מתי"),
    "audit_actor": ("Who", "מי"),
    "audit_action": ("Action", "פעולה"),
    "audit_target": ("On", "על"),
    "audit_ok": ("Result", "תוצאה"),
    "audit_detail": ("Detail", "פרטים"),
    "ok": ("done", "בוצע"),
    "called_back_not_reached": ("called back, not reached yet", "חזרו אליו, טרם הושג"),
    "times_today": ("× today", "× היום"),
    # Open mode (no users): what a page that needs a signed-in lead says instead of its form
    "needs_users": (
        "No users are set up (open mode), so nobody can {what} here: it needs a signed-in "
        "team lead.",
        "לא הוגדרו משתמשים (מצב פתוח), ולכן אי אפשר {what} כאן: נדרש ראש צוות מחובר.",
    ),
    "add_users_steps": (
        "To add the first user, make a password hash, then add the user to the config file:",
        "כדי להוסיף את המשתמש הראשון, צרו גיבוב של הסיסמה והוסיפו את המשתמש לקובץ ההגדרות:",
    ),
    "add_users_then": (
        "Restart the wallboard and sign in; an admin then adds team leads under Users "
        "(/admin/users).",
        "הפעילו מחדש את הלוח והתחברו; מנהל מוסיף אחר כך ראשי צוות בדף המשתמשים "
        "(\u2066/admin/users\u2069).",
    ),
    "add_users_docs": (
        "Explained in `docs/access.md` (who sees and does what) and `docs/configuration.md` "
        "(`[auth.users.<name>]`).",
        "הסבר ב־`docs/access.md` (מי רואה ועושה מה) וב־`docs/configuration.md` "
        "(`[auth.users.<name>]`).",
    ),
    "na_sign_in": ("sign in", "להתחבר"),
    "open_boards": ("Open the boards (no sign-in needed)", "לפתיחת הלוחות (בלי התחברות)"),
    "na_post": ("post a message to the floor", "לפרסם הודעה לרצפה"),
    "na_status": ("change an agent's status", "לשנות סטטוס של נציג"),
    "na_admin": ("edit boards, kiosk tokens or users", "לערוך לוחות, אסימוני קיוסק או משתמשים"),
    # /worklist's filters and pages
    "wl_board": ("Board", "לוח"),
    "wl_all_boards": ("All my boards", "כל הלוחות שלי"),
    "wl_newest_first": ("Newest first", "החדשים קודם"),
    "wl_oldest_first": ("Oldest first", "הוותיקים קודם"),
    "wl_waiting_by_queue": ("To call back, by queue", "לחזור אליהם, לפי תור"),
    "wl_all": ("All", "הכל"),
    "wl_no_queue": ("No queue", "ללא תור"),
    "wl_shown": ("{a}–{b} of {n}", "{a}–{b} מתוך {n}"),
    # The vendor's CDR `status` codes, in words (docs/voicenter.md, "CDR notification").
    "cdr_ANSWER": ("Answered", "נענתה"),
    "cdr_NOANSWER": ("Not answered", "לא נענתה"),
    "cdr_BUSY": ("Busy", "תפוס"),
    "cdr_CANCEL": ("Cancelled by the caller", "בוטלה על ידי המתקשר"),
    "cdr_ABANDONE": ("Abandoned in the queue", "ננטשה בתור"),
    "cdr_VOEND": ("Ended in voicemail", "הסתיימה בתא קולי"),
    "cdr_NOTDIALED": ("Not dialled", "לא חויגה"),
    "cdr_TE": ("Technical error", "תקלה טכנית"),
    "cdr_TIMEOUT": ("Timed out in the queue", "זמן ההמתנה בתור תם"),
    "cdr_FULL": ("Queue full", "התור מלא"),
    "cdr_JOINEMPTY": ("Queue had no agents", "אין נציגים בתור"),
    "cdr_EXIT": ("Left the queue", "יצאה מהתור"),
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
    pair = _STRINGS.get(key) or _PAGE_STRINGS.get(key)
    if pair is None:
        return key
    return pair[1] if lang == "he" else pair[0]


def strings(lang: Lang) -> dict[str, str]:
    """Every board string in `lang`, for the browser (the pages' own stay on the server)."""
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
