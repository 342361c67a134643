"""Keep the catalogs in step with the code: ``python -m bot.i18n_tools``.

Extracts every marked string into ``bot/locale/sisterlib.pot`` and merges it into each language's
``.po`` file, keeping the translations already made. Lists what still needs translating.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from bot.i18n import AVAILABLE_LOCALES, DEFAULT_LOCALE, DOMAIN, LOCALE_DIR

ROOT = LOCALE_DIR.parent.parent
SOURCE_DIRS = ("bot", "cogs")
KEYWORDS = {"_": None, "N_": None, "_T": None, "ngettext": (1, 2)}


def extract() -> Catalog:
    template = Catalog(project="sisterlib", domain=DOMAIN)
    for folder in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**/sandbox/**.py", "ignore"), ("**.py", "python")], keywords=KEYWORDS
        ):
            template.add(
                message, locations=[(f"{folder}/{filename}", lineno)], auto_comments=comments, context=context
            )
    return template


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def load(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale, domain=DOMAIN)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def missing_translations(locale: str, template: Catalog | None = None) -> list[str]:
    template = template or extract()
    translated = load(locale)
    missing = []
    for message in template:
        if not message.id:
            continue
        found = translated.get(message.id, context=message.context)
        if found is None or not found.string or (isinstance(found.string, tuple) and not all(found.string)):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


def main() -> int:
    template = extract()
    with (LOCALE_DIR / f"{DOMAIN}.pot").open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_by_file=True)
    for locale in AVAILABLE_LOCALES:
        if locale == DEFAULT_LOCALE:
            continue
        catalog = load(locale)
        catalog.update(template, no_fuzzy_matching=True)
        path = po_path(locale)
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            write_po(handle, catalog, sort_by_file=True, ignore_obsolete=True, width=100)
        missing = missing_translations(locale, template)
        sys.stdout.write(f"{locale}: {len(template) - len(missing)}/{len(template)} translated\n")
        for message_id in missing:
            sys.stdout.write(f"  missing: {message_id!r}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
