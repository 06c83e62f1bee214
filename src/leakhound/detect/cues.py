"""Names and places from the words support text puts around them, in six languages.

A statistical model reads names and places in the languages it was trained on; support
text has others, and towns no model has seen. What it has everywhere are the same
habits: a valediction, then the writer's name alone on a line; "my name is", "I spoke to",
"my colleague", a title; "I live in", "ship to", "the store in", "wrote in from <Town>,
<Country>". ``ner.py`` adds these spans to the model's (or uses them alone where no model
reads the language). A known place (``gazetteer.py``) counts only where such words or a
preposition point at it, so "Reading the manual" and "the Paris Hilton documentary"
name no place.

Words are matched case-insensitively; names and places must be capitalised.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from .base import Span
from .context import wordset

PERSON = "PERSON"
LOCATION = "LOCATION"
NAME_SCORE = 0.6
PLACE_SCORE = 0.55

# A word as names and places write it: letters, with the apostrophes and hyphens of
# "O'Brien", "Jean-Luc", "Royer-sur-Leleu".
_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-][^\W\d_]+)*")

# Words that are capitalised in support text without naming anyone or anywhere: function
# words opening a sentence, pronouns (German capitalises "Sie", "Ihr"), greetings,
# valedictions, days, months, product and help-desk words.
STOP = wordset(
    # English
    """the a an i my our we you your it its this that these those there here please hi
    hello dear thanks thank regards best kind many cheers sincerely yours team support
    customer service sales hotline helpdesk desk department office store shop manager
    mr mrs ms miss dr sir madam monday tuesday wednesday thursday friday saturday sunday
    january february march april may june july august september october november december
    app account order invoice ticket refund delivery package parcel update version windows
    android iphone chrome settings menu error login password email mail phone tel fax iban
    mobile number monday today tomorrow yesterday and or but so if when after before since
    """
    # French
    """le la les un une des du de au aux je tu il elle nous vous ils elles mon ma mes ton
    votre vos notre nos ce cette ces bonjour bonsoir salut merci cordialement madame
    monsieur mademoiselle lundi mardi mercredi jeudi vendredi samedi dimanche janvier
    février mars avril mai juin juillet août septembre octobre novembre décembre
    commande facture colis service client clients équipe rien depuis impossible """
    # German
    """der die das den dem des ein eine einen einem einer ich du er sie es wir ihr ihre
    ihrer ihrem ihren ihnen mein meine meinen meinem meiner unser unsere hallo guten tag
    moin grüße gruß freundlichen viele beste liebe lieber herr frau damen herren montag
    dienstag mittwoch donnerstag freitag samstag sonntag januar februar märz juni juli
    oktober dezember bestellung rechnung paket kunde kundin kundendienst filiale bitte
    danke seit leider """
    # Spanish
    """el los las uno una unos unas yo tú él ella nosotros ustedes mi mis su sus nuestro
    hola buenos buenas días tardes gracias saludos atentamente estimados estimado
    estimada señor señora señores lunes martes miércoles jueves viernes sábado domingo
    enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre
    diciembre pedido factura paquete tienda cliente por favor """
    # Italian
    """il lo gli un uno una io tu lui lei noi voi loro mio mia miei mie suo sua vostro
    vostra buongiorno buonasera salve ciao grazie cordiali distinti saluti gentile
    signor signora lunedì martedì mercoledì giovedì venerdì sabato domenica gennaio
    febbraio aprile maggio giugno luglio settembre ottobre dicembre ordine fattura pacco
    negozio cliente """
    # Dutch
    """het een ik jij hij zij wij jullie mijn uw onze hallo goedemiddag goedendag goedemorgen
    beste groet groeten groetjes hartelijke vriendelijke met meneer mevrouw maandag dinsdag
    woensdag donderdag vrijdag zaterdag zondag januari februari maart mei juni juli
    augustus oktober bestelling factuur pakket winkel klant klantenservice"""
)
# Lower-case words that may sit inside a name or a place: "Jan van der Berg", "Bassano
# del Grappa", "Büsingen am Hochrhein", "Newcastle upon Tyne".
_INSIDE = wordset(
    "van von der den de del della dei di da du des la le les ten ter te op y zu am an "
    "upon on sur sous en"
)
# German and Dutch capitalise every noun: nouns of these endings are not towns.
_NOUN_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "ität", "nis", "ment", "ling")

# A valediction, then a name alone at the end of its line ("Best regards,\nJane Doe",
# "Thanks, Jan"). The model often misses a name standing outside a sentence; e-mails
# and tickets end with one. The valedictions people use in the seven locales.
_VALEDICTION = r"""(?:
    (?:best|kind|warm|warmest|many|all\ the\ best|best\ wishes\ and)?[ \t]*
    (?:regards|thanks|thank\ you|cheers|sincerely|best|yours|yours\ truly|take\ care)
   |cordialement|bien\ cordialement|bien\ à\ vous|merci(?:\ d'avance|\ beaucoup)?
   |salutations|sincères\ salutations|bonne\ journée|amicalement|à\ bientôt
   |(?:mit\ )?(?:freundlichen|herzlichen|besten|vielen|viele|liebe|beste|schöne)\ grüßen?
   |(?:viele|liebe|beste|freundliche|herzliche)\ grüße|grüße|danke(?:\ schön)?|gruß
   |saludos|un\ saludo|atentamente|cordialmente|gracias|muchas\ gracias|un\ abrazo
   |cordiali\ saluti|distinti\ saluti|saluti|un\ saluto|grazie(?:\ mille)?|a\ presto
   |(?:met\ )?vriendelijke\ groet(?:en)?|hartelijke\ groet(?:en)?|groetjes|groeten|groet
   |dank\ je\ wel|bedankt
)"""
_SIGNATURE = re.compile(
    rf"""(?:^|\n)[ \t]*{_VALEDICTION}
    [ \t]*[,.!]?[ \t]*(?:\r?\n|[ \t])[ \t]*
    (?P<name>[^\W\d_][^\W\d_'’.\-]*(?:['’.\-][^\W\d_]+)*\.?
       (?:[ \t]+[^\W\d_][^\W\d_'’\-]*(?:['’\-][^\W\d_]+)*\.?){{0,3}})
    [ \t]*(?:\r?\n|$)""",
    re.IGNORECASE | re.VERBOSE,
)
# Signature lines that name no one: "Thanks,\nThe Support Team".
_NOT_SIGNATURE_WORDS = wordset(
    "the team support customer service services department staff desk sales admin all "
    "everyone you again in advance l'équipe équipe ihr ihre das el il het"
)

# Words after which a name follows: introductions, people one spoke to, relatives,
# greetings, titles. "strong" ones may introduce a single word; the others need a
# given and a family name.
_STRONG_NAME_CUES = (
    r"my\ name\ is|my\ name's|name:|je\ m'appelle|mon\ nom\ est|mein\ name\ ist|ich\ heiße"
    r"|me\ llamo|mi\ nombre\ es|mi\ chiamo|il\ mio\ nome\ è|mijn\ naam\ is|ik\ heet"
    r"|mr\.?|mrs\.?|ms\.?|miss|dr\.?|prof\.?|herr|frau|m\.|mme\.?|mlle\.?|sr\.|sra\.|srta\."
    r"|sig\.|sig\.ra|dott\.|dott\.ssa|dhr\.|mevr\.|meneer|mevrouw|attn:?|attention:?"
)
_NAME_CUES = (
    r"i\ am|i'm|this\ is|it's|je\ suis|c'est|ici|ich\ bin|hier\ ist|hier\ spricht|soy"
    r"|sono|ik\ ben|spoke\ (?:to|with)|talked\ to|speak\ (?:to|with)|asked\ for"
    r"|ask\ for|j'ai\ eu|parlé\ (?:à|avec)|gesprochen\ mit|mit|hablé\ con|hablado\ con"
    r"|parlato\ con|gesproken\ met|colleague|coworker|co-worker|collègue|kollege|kollegin"
    r"|compañero|compañera|collega|husband|wife|partner|son|daughter|mother|father"
    r"|husband's\ name|wife's\ name|mari|femme|épouse|époux|fils|fille|mann|frau|sohn"
    r"|tochter|marido|mujer|esposo|esposa|hijo|hija|marito|moglie|figlio|figlia|man"
    r"|vrouw|zoon|dochter|au\ nom\ de|auf\ den\ namen|läuft\ auf|a\ nombre\ de"
    r"|intestato\ a|a\ nome\ di|op\ naam\ van|dear|hi|hello|bonjour|cher|chère|hallo"
    r"|liebe|lieber|hola|estimado|estimada|ciao|caro|cara|gentile|beste|dag"
)
_NAME_CUE = re.compile(
    rf"(?<![\w'’])(?:(?P<strong>{_STRONG_NAME_CUES})|(?:{_NAME_CUES}))(?![\w'’])"
    r"(?:\s+(?:my|mon|ma|mein|meine|mi|mio|mia|mijn|the|le|la)(?![\w'’]))?"
    r"(?:\s+(?:husband|wife|mari|femme|mann|frau|marido|mujer|marito|moglie|man|vrouw)"
    r"(?![\w'’]))?"
    r"[ \t]*[,:]?[ \t]*",
    re.IGNORECASE,
)
# Words after a name that say it is one: "Anna Berg from your sales team", "X von Ihrer
# Hotline", "X de votre service", "X de su servicio", "X del vostro", "X van uw helpdesk".
_AFTER_NAME = re.compile(
    r"[ \t]+(?:from\ (?:your|the)|de\ (?:votre|vos)|von\ (?:ihrer|ihrem|ihren)|de\ su|del\ vostro"
    r"|della\ vostra|van\ uw)\b",
    re.IGNORECASE | re.VERBOSE,
)

# Words before a place: living, writing from, shipping to, a shop or an office in, a
# parcel stuck in; then, within a few words, a preposition and the place.
_PLACE_CUES = wordset(
    # English
    """live lives living lived based located moved move moving ship shipped shipping
    deliver delivered delivery send sent writing wrote write travelling traveling travel
    flying office offices store shop branch warehouse depot neighbour neighbor stuck held
    arrived from visiting staying stay home born """
    # French
    """habite habitons habiter vis vit écris écrit livrer livré livrée livraison envoyer
    envoyé expédier expédié magasin boutique agence bureau parti partie arrivé arrivée
    bloqué bloquée déménagé situé située basé basée provenance séjourne """
    # German
    """wohne wohnen wohnt lebe lebt schreibe schreiben komme kommt liefern geliefert
    lieferung senden schicken filiale geschäft laden büro liegt lag umgezogen zugestellt
    angekommen sitzen sitze """
    # Spanish
    """vivo vive vivimos escribo escribe envíen envíenlo enviar enviado envío tienda oficina
    sucursal salió llegó mudé mudado paquete estoy resido """
    # Italian
    """abito abita abitiamo vivo vive scrivo spedite spedire spedito spedizione negozio
    ufficio filiale fermo partito arrivato trasferito pacco risiedo """
    # Dutch
    """woon woont wonen schrijf schrijft bezorgen bezorgd verzenden sturen winkel filiaal
    kantoor ligt lag verhuisd pakket gevestigd"""
)
# Prepositions before a place, and the articles contracted into them.
_PLACE_PREPOSITION = re.compile(
    r"(?<![\w'’])(?:in|from|to|at|near|into|à|au|de|d'|en|depuis|vers|nach|aus|bei|von"
    r"|a|desde|hacia|da|di|vanuit|uit|naar|bij|te)[ \t]+(?=[^\W\d_])",
    re.IGNORECASE,
)
_CUE_WINDOW = 7  # words between a place cue and its preposition, at most

# Countries as support text names them, in the seven locales' languages: "…, France",
# "en Allemagne", "in the UK". A country is a place.
COUNTRIES = wordset(
    """france germany deutschland allemagne alemania germania duitsland spain españa espagne
    spanien spagna spanje italy italia italie italien italië netherlands nederland
    pays-bas niederlande holanda olanda holland hollande belgium belgique belgië belgien
    bélgica belgio switzerland suisse schweiz suiza svizzera zwitserland austria österreich
    autriche oostenrijk ireland irlande irland irlanda ierland portugal portogallo
    luxembourg luxemburg england inglaterra inghilterra engeland angleterre scotland
    wales britain america amérique amerika usa us uk canada frankreich francia frankrijk
    estados unidos"""
)
_MULTI_WORD_COUNTRIES = re.compile(
    r"(?<![\w'’])(?:the\ )?(?P<country>united\ kingdom|united\ states(?:\ of\ america)?"
    r"|great\ britain|the\ netherlands|the\ uk|the\ us|the\ usa|estados\ unidos"
    r"|royaume-uni|états-unis|vereinigte[nr]?\ staaten|regno\ unito|reino\ unido"
    r"|stati\ uniti|verenigd\ koninkrijk|verenigde\ staten)(?![\w'’])",
    re.IGNORECASE | re.VERBOSE,
)


def _words(text: str, start: int, limit: int) -> Iterator[re.Match[str]]:
    """The tokens from ``start`` on, stopping at a line break or sentence end, and at a
    comma after the first."""
    end = start
    for n, m in enumerate(_TOKEN.finditer(text, start)):
        between = text[end : m.start()]
        if n >= limit or "\n" in between or any(c in between for c in '.!?;:(<["'):
            return
        if n > 0 and "," in between:
            return
        yield m
        end = m.end()


def capitalised_run(text: str, start: int, limit: int = 4) -> tuple[int, int, list[str]] | None:
    """The capitalised words from ``start`` (lower-case particles allowed inside):
    (start, end, words), or None when the first word is not capitalised."""
    words: list[str] = []
    first = last = -1
    pending: list[str] = []
    for m in _words(text, start, limit + 3):
        w = m.group()
        if w[0].isupper():
            if len(words) >= limit or (words and _is_stop(w)):
                break  # "Lukas Klein von Ihrer Hotline": the name ends before "von"
            if first < 0:
                first = m.start()
            words += [*pending, w]
            pending = []
            last = m.end()
        elif words and w.lower() in _INSIDE:
            pending.append(w)
        else:
            break
    if not words:
        return None
    return first, last, words


def _is_stop(word: str) -> bool:
    return word.lower() in STOP


def _plausible_name(words: list[str]) -> bool:
    caps = [w for w in words if w[0].isupper()]
    return bool(caps) and not any(_is_stop(w) for w in caps) and all(len(w) > 1 for w in caps)


def _plausible_place(words: list[str]) -> bool:
    caps = [w for w in words if w[0].isupper()]
    if not caps or _is_stop(caps[0]) or caps[0].lower() in COUNTRIES:
        return False
    if any(w.isupper() for w in caps):
        return False  # "send it to IBAN …", "in HTML": acronyms, not towns
    return not any(w.lower().endswith(_NOUN_ENDINGS) for w in caps)


def signature_names(text: str) -> list[Span]:
    """The name under a valediction at the end of a message."""
    spans: list[Span] = []
    for m in _SIGNATURE.finditer(text):
        start, end = m.span("name")
        words = m.group("name").casefold().split()
        if _NOT_SIGNATURE_WORDS.intersection(words) or not m.group("name")[:1].isupper():
            continue
        spans.append(Span(PERSON, start, end, NAME_SCORE, " ".join(words)))
    return spans


def cued_names(text: str) -> list[Span]:
    """Names after "my name is", "I spoke to", "my colleague", a title, a greeting; and
    before "from your team"."""
    spans: list[Span] = []
    for m in _NAME_CUE.finditer(text):
        run = capitalised_run(text, m.end(), 4)
        if run is None:
            continue
        start, end, words = run
        caps = [w for w in words if w[0].isupper()]
        if not _plausible_name(words):
            continue
        # One capitalised word after "hi", "this is", "mit": a name only when the text
        # says more ("Hi Anna," opens a line; "Anna from your team").
        if (
            len(caps) < 2
            and not m.group("strong")
            and not (_AFTER_NAME.match(text, end) or _greets(text, m.start(), end))
        ):
            continue
        spans.append(
            Span(PERSON, start, end, NAME_SCORE, " ".join(text[start:end].casefold().split()))
        )
    for m in _AFTER_NAME.finditer(text):
        before = _run_ending_at(text, m.start())
        if before is not None and not any(s.start <= before[0] < s.end for s in spans):
            start, end, words = before
            if _plausible_name(words) and len(words) >= 2:
                spans.append(
                    Span(
                        PERSON, start, end, NAME_SCORE, " ".join(text[start:end].casefold().split())
                    )
                )
    return spans


def _greets(text: str, cue_start: int, end: int) -> bool:
    """True for "Hi Anna," / "Hallo Jan!" opening a line: a greeting and a name alone."""
    line_start = text.rfind("\n", 0, cue_start) + 1
    return not text[line_start:cue_start].strip() and text[end : end + 1] in (",", "!", "\n")


def _run_ending_at(text: str, end: int) -> tuple[int, int, list[str]] | None:
    """The capitalised words (up to four, particles between them) that end at ``end``."""
    tokens = list(_TOKEN.finditer(text, max(0, end - 80), end))
    words: list[re.Match[str]] = []
    for m in reversed(tokens):
        following = words[0].start() if words else end
        w = m.group()
        if text[m.end() : following].strip() or len(words) >= 6:
            break
        if not (w[0].isupper() or (words and w.lower() in _INSIDE)):
            break
        if w[0].isupper() and _is_stop(w):
            break
        words.insert(0, m)
    while words and not words[0].group()[0].isupper():
        words.pop(0)  # "van Noort": the particle belongs to the name only inside it
    if not words:
        return None
    return words[0].start(), words[-1].end(), [w.group() for w in words]


# A name before an address in angle brackets: "Jane Doe <jane@example.com>", the way
# mail headers and exports write a sender.
_DISPLAY_NAME = re.compile(r"[ \t]*<[^\s<>@]+@[^\s<>]+")


def display_names(text: str) -> list[Span]:
    """The names written before an e-mail address in angle brackets."""
    spans: list[Span] = []
    for m in _DISPLAY_NAME.finditer(text):
        run = _run_ending_at(text, m.start())
        if run is None:
            continue
        start, end, words = run
        if _plausible_name(words):
            spans.append(
                Span(PERSON, start, end, NAME_SCORE, " ".join(text[start:end].casefold().split()))
            )
    return spans


def cued_places(text: str, known: Callable[[str], bool]) -> list[Span]:
    """Places after a preposition that words around them say is a place: a place cue
    a few words before ("I live in", "die Filiale in", "spedite a"), a country after
    ("Lyon, France"), or a country or a ``known`` place after "in"/"from"/"à"…"""
    spans: list[Span] = []
    lowered = text.lower()
    for m in _PLACE_PREPOSITION.finditer(text):
        run = capitalised_run(text, m.end(), 5)
        if run is None:
            continue
        start, end, words = run
        name = " ".join(words)
        if name.lower() in COUNTRIES or _MULTI_WORD_COUNTRIES.fullmatch(name):
            spans.append(Span(LOCATION, start, end, PLACE_SCORE, name.casefold()))
            continue
        if not _plausible_place(words):
            continue
        before = _WORD.findall(lowered[max(0, m.start() - 80) : m.start()])[-_CUE_WINDOW:]
        cued = not _PLACE_CUES.isdisjoint(before)
        country_after = _country_after(text, end)
        if cued or country_after or known(name):
            spans.append(Span(LOCATION, start, end, PLACE_SCORE, name.casefold()))
        if country_after is not None:
            a, b = country_after
            spans.append(Span(LOCATION, a, b, PLACE_SCORE, text[a:b].casefold()))
    for m in _MULTI_WORD_COUNTRIES.finditer(text):
        start, end = m.span("country")
        if text[start].isupper() or text[start:].lower().startswith(("the uk", "the us")):
            if text[start : start + 4].lower() == "the ":
                start += 4
            spans.append(Span(LOCATION, start, end, PLACE_SCORE, text[start:end].casefold()))
    return _unique(spans)


_WORD = re.compile(r"[^\W\d_]+")


def _country_after(text: str, end: int) -> tuple[int, int] | None:
    """(start, end) of a country named just after a place: "Lyon, France"."""
    m = re.compile(r",[ \t]*(?:en[ \t]+|in[ \t]+)?").match(text, end)
    if m is None:
        return None
    multi = _MULTI_WORD_COUNTRIES.match(text, m.end())
    if multi is not None:
        a, b = multi.span("country")
        return (a + 4, b) if text[a : a + 4].lower() == "the " else (a, b)
    word = _TOKEN.match(text, m.end())
    if word is not None and word.group().lower() in COUNTRIES and word.group()[0].isupper():
        return word.span()
    return None


def _unique(spans: list[Span]) -> list[Span]:
    seen: set[tuple[int, int]] = set()
    out: list[Span] = []
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        if (s.start, s.end) not in seen and not any(o.start <= s.start < o.end for o in out):
            seen.add((s.start, s.end))
            out.append(s)
    return out


def located(text: str, start: int) -> bool:
    """True when a locative preposition comes just before ``start`` ("in", "from", "à")."""
    head = text[max(0, start - 12) : start]
    return any(m.end() == len(head) for m in _PLACE_PREPOSITION.finditer(head))


def after_article(text: str, start: int) -> bool:
    """True when an article comes just before ``start``: "the Phoenix plan"."""
    words = _WORD.findall(text[max(0, start - 8) : start].lower())
    return bool(words) and words[-1] in _ARTICLES and text[start - 1 : start].isspace()


_ARTICLES = wordset("the a an le la les der die das el los las il lo gli het een")
