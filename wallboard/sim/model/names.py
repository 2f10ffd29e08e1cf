"""Names for the simulated floor: people and queues, in English or Hebrew."""

from __future__ import annotations

__all__ = [
    "FIRST",
    "FIRST_HE",
    "LAST",
    "LAST_HE",
    "QUEUE_NAMES",
    "QUEUE_NAMES_HE",
    "first_names",
    "last_names",
    "queue_name",
    "queue_names",
]

FIRST = (
    "Noa", "Tamar", "Yael", "Maya", "Shira", "Michal", "Dana", "Lior", "Adi", "Roni",
    "Avi", "Yossi", "David", "Moshe", "Eitan", "Omer", "Itai", "Amit", "Yonatan", "Daniel",
    "Rana", "Lina", "Samir", "Nadia", "Olga", "Igor", "Sara", "Rivka", "Ariel", "Gal",
)  # fmt: skip
LAST = (
    "Cohen", "Levi", "Mizrahi", "Peretz", "Biton", "Dahan", "Avraham", "Friedman", "Azulay",
    "Katz", "Yosef", "Amar", "Ohana", "Shapira", "Golan", "Ben-David", "Haddad", "Khoury",
    "Nasser", "Ivanov", "Segal", "Weiss", "Klein", "Barak", "Tal",
)  # fmt: skip
# The same people in Hebrew script, as an Israeli account usually names its users; the
# lists are index-aligned with the Latin ones, so a seed picks the same person either way.
FIRST_HE = (
    "נועה", "תמר", "יעל", "מאיה", "שירה", "מיכל", "דנה", "ליאור", "עדי", "רוני",
    "אבי", "יוסי", "דוד", "משה", "איתן", "עומר", "איתי", "עמית", "יונתן", "דניאל",
    "ראנה", "לינה", "סמיר", "נדיה", "אולגה", "איגור", "שרה", "רבקה", "אריאל", "גל",
)  # fmt: skip
LAST_HE = (
    "כהן", "לוי", "מזרחי", "פרץ", "ביטון", "דהן", "אברהם", "פרידמן", "אזולאי",
    "כץ", "יוסף", "עמר", "אוחנה", "שפירא", "גולן", "בן דוד", "חדאד", "ח'ורי",
    "נאסר", "איבנוב", "סגל", "וייס", "קליין", "ברק", "טל",
)  # fmt: skip
QUEUE_NAMES_HE = (
    "מכירות", "תמיכה", "גבייה", "VIP", "תמיכה טכנית", "שימור", "הזמנות", "החזרות",
    "עסקים", "קו עברית", "קו ערבית", "קו רוסית",
)  # fmt: skip
QUEUE_NAMES = (
    "Sales", "Support", "Billing", "VIP", "Technical", "Retention", "Orders", "Returns",
    "Business", "Hebrew Line", "Arabic Line", "Russian Line",
)  # fmt: skip


def first_names(hebrew: bool) -> tuple[str, ...]:
    """First names in the display language."""
    return FIRST_HE if hebrew else FIRST


def last_names(hebrew: bool) -> tuple[str, ...]:
    """Family names in the display language."""
    return LAST_HE if hebrew else LAST


def queue_names(hebrew: bool) -> tuple[str, ...]:
    """Queue names in the display language."""
    return QUEUE_NAMES_HE if hebrew else QUEUE_NAMES


def queue_name(hebrew: bool, i: int) -> str:
    """The name of the i-th queue: the list cycles, numbered from its second round."""
    names = queue_names(hebrew)
    base = names[i % len(names)]
    return base if i < len(names) else f"{base} {i // len(names) + 1}"
