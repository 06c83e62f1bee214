"""The draft notice to the people concerned, in plain language (GDPR Art. 34(2)).

Art. 34(2) asks for the nature of the breach in clear and plain language and at least the
items of Art. 33(3)(b), (c) and (d): a contact point, the likely consequences, the measures
taken or proposed. Breach notices are themselves bait for fraud, so the notice also tells
people how to recognise a scam that quotes this incident. No index name, URL or other text
from a scanned server appears in it.
"""

from __future__ import annotations

from ..assess import Assessment, Duty, entity_class
from ..assess.categories import SECRET
from ..assess.document import Block, Bullets, Fill, Heading, Inline, Note, Para, Strong, Text
from ..store.records import ScanRecord

_ADVICE: dict[str, str] = {
    "EMAIL_ADDRESS": "Expect more spam and phishing e-mails. Do not open attachments or links "
    "in unexpected messages, even when they use your name or mention us.",
    "PHONE_NUMBER": "Be wary of unexpected calls and text messages, even when the caller "
    "knows your name or details of your dealings with us.",
    "CREDIT_CARD": "Check your card statements, and tell your bank at once about any payment "
    "you did not make; you can ask your bank for a new card.",
    "IBAN_CODE": "Check your bank statements for direct debits or transfers you did not "
    "authorise, and ask your bank to reverse them.",
    "US_BANK_NUMBER": "Check your bank statements for debits you did not authorise, and ask "
    "your bank to reverse them.",
    "NATIONAL_ID": "Watch for letters about loans, accounts or contracts you did not ask for: "
    "they can be a sign that someone is using your identity.",
    "LOCATION": "Be wary of unexpected letters, parcels or visits that refer to this incident.",
    "GEO_COORDINATES": "If you are worried for your safety, contact us or the police.",
    SECRET: "If you used the same password anywhere else, change it there too.",
}

_PLAIN: dict[str, str] = {
    "EMAIL_ADDRESS": "your e-mail address",
    "PHONE_NUMBER": "your phone number",
    "PERSON": "your name",
    "LOCATION": "your postal address or places linked to you",
    "GEO_COORDINATES": "locations linked to you (map coordinates)",
    "IP_ADDRESS": "the internet (IP) address of your connection",
    "CREDIT_CARD": "your payment card number",
    "IBAN_CODE": "your bank account number (IBAN)",
    "US_BANK_NUMBER": "your bank account number",
    "NATIONAL_ID": "your national identification number",
    SECRET: "passwords or access keys",
}


def title(a: Assessment) -> str:
    """The document's title."""
    return "Important information about your personal data"


def _key(entity_type: str) -> str:
    if entity_type in _PLAIN:
        return entity_type
    if entity_class(entity_type) is entity_class("NATIONAL_ID"):
        return "NATIONAL_ID"
    return entity_type


def _or_fill(value: str | None, prompt: str) -> Inline:
    return value if value else Fill(prompt)


def blocks(scan: ScanRecord, a: Assessment) -> list[Block]:
    """The notice as document blocks; it takes ``scan`` as the authority draft does, and
    quotes nothing from it."""
    ctx = a.context
    keys = sorted(
        {_key(t) for t in a.entity_types},
        key=lambda k: list(_PLAIN).index(k) if k in _PLAIN else len(_PLAIN),
    )
    started = ctx.exposure_started
    ended = ctx.exposure_ended
    window: Text = (
        "Between ",
        _or_fill(started[:10] if started else None, "start date"),
        " and ",
        _or_fill(ended[:10] if ended else None, "end date"),
    )
    editor = (
        "Note to the editor, to remove before sending: check every sentence, complete "
        "every [[TO FILL: …]], and keep the promises this notice makes — that you will "
        "never call people first about this incident and never ask for passwords, codes "
        "or remote access. Tell everyone who answers your phones."
    )
    if a.subjects.duty is Duty.PUBLIC_COMMUNICATION:
        editor += (
            " This is to be a public communication (Art. 34(3)(c)): drop the greeting "
            "and publish it where the people concerned will see it."
        )
    elif a.subjects.duty is not Duty.REQUIRED:
        duty = a.subjects.duty.value.replace("-", " ")
        editor += (
            f" The assessment found this communication {duty} under Art. 34; sending "
            "it anyway is your choice."
        )
    # as many databases as the scan found exposed (a cache and a backup beside the database)
    n = len(a.stores)
    several = n > 1
    out: list[Block] = [
        Heading(title(a), 1),
        Note(editor),
        Para(("Dear ", Fill("name, or 'customer'"), ",")),
        Para(
            "We are writing to tell you about a security incident that concerns your "
            "personal information, what it may mean for you and what you can do."
        ),
        Heading("What happened"),
        Para(
            (
                window,
                f", {_number(n)} of our databases (" if several else ", one of our databases (",
                _or_fill(
                    ctx.system_description,
                    "what the databases are used for, in everyday words"
                    if several
                    else "what the database is used for, in everyday words",
                ),
                f") could be reached over the internet without a password. During that time, "
                f"people other than us may have seen the information {'they' if several else 'it'}"
                " held. We found out on ",
                f"{a.deadline.aware_since:%d %B %Y}",
                " and closed access on ",
                _or_fill(ended[:10] if ended else None, "date access was closed"),
                ".",
            )
        ),
    ]
    if any(i.compromised for i in a.containers):
        out.append(
            Para(
                "We also found signs that an attacker deleted information and left a ransom demand."
            )
        )
    if a.logs is not None and a.logs.unknown_readers:
        out.append(
            Para(
                "Our review of the access logs shows that people we do not know read "
                "information from the store while it was open."
            )
        )
    out += [
        Heading("What information was involved"),
        Bullets(
            tuple(_PLAIN.get(k, entity_class(k).label) for k in keys)
            or (Fill("the kinds of information involved"),)
        ),
        Para(
            "Not every record held every item, and we have no sign so far that your "
            "information has been misused."
            if ctx.third_party_access in (None, "none")
            and not any(i.compromised for i in a.containers)
            and not (a.logs and a.logs.unknown_readers)
            else "Not every record held every item."
        ),
        Heading("What this could mean for you"),
        Bullets(
            tuple(_plain_consequence(c) for c in a.consequences)
            or (Fill("the likely consequences"),)
        ),
        Heading("What we have done"),
        Bullets(
            ctx.measures_taken
            or (Fill("what you have done: access closed on …, the authority informed on …"),)
        ),
        Heading("What you can do"),
        Bullets(
            (
                *(_ADVICE[k] for k in keys if k in _ADVICE),
                "Keep this letter: it will help if you need to show when you were told.",
            )
        ),
        Heading("How to recognise scams that use this incident"),
        Bullets(
            (
                "Criminals may contact you pretending to be us, your bank or the police, and quote "
                "real details of this incident or of your account to seem genuine. Knowing details "
                "about you does not prove who someone is.",
                (
                    Strong("We will never call you first about this incident."),
                    " If someone calls saying they are from us, hang up and call us back on the "
                    "number below.",
                ),
                (
                    Strong(
                        "We will never ask for your password, a PIN or a one-time code, "
                        "and never ask you to install software or to give remote access to your "
                        "computer or phone."
                    ),
                    " Anyone who asks is a fraudster.",
                ),
                "Do not use links or phone numbers given in a message about this incident: use "
                "the contact details below or those on our official website.",
            )
        ),
        Heading("Contact us"),
        Para(
            (
                "For questions about this incident: ",
                _or_fill(ctx.dpo_contact, "name, e-mail and phone of the DPO or contact point"),
                ".",
            )
        ),
        Para(
            (
                "You also have the right to lodge a complaint with the data protection "
                "supervisory authority: ",
                _or_fill(ctx.supervisory_authority, "name and website of the authority"),
                ".",
            )
        ),
        Para(("We are sorry for this incident and for the worry it may cause you.",)),
        Para(_or_fill(ctx.controller, "name of the organisation, and the signatory")),
    ]
    return out


_PLAIN_CONSEQUENCES = {
    "targeted phishing": "e-mails that try to trick you, looking genuine because they use "
    "real details about you",
    "scam calls": "scam phone calls and text messages",
    "impersonation": "people pretending to be you, or pretending to know you",
    "unwanted contact": "unwanted letters, parcels or visits",
    "disclosure of where": "others learning where you live, work or go",
    "profiling of online": "others learning about your online activity",
    "fraudulent card": "payments made with your card without your consent",
    "fraudulent direct": "payments taken from your bank account without your consent",
    "fraudulent debits": "payments taken from your bank account without your consent",
    "identity theft": "someone opening accounts, loans or contracts in your name",
    "takeover of accounts": "someone getting into your accounts",
    "discrimination": "distress or unfair treatment if sensitive information became known",
    "loss of the data": "the loss of some of your information held by us",
    "loss of control": "losing control over who holds your information",
}


def _plain_consequence(text: str) -> str:
    for start, plain in _PLAIN_CONSEQUENCES.items():
        if text.startswith(start):
            return plain
    return text


def _number(n: int) -> str:
    """'two' … 'ten' in a letter, then digits."""
    words = ("two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[n - 2] if 2 <= n <= 10 else f"{n:,}"
