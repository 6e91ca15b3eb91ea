//! The page's labels in English, Dutch, French and German, chosen by the language switch (a
//! cookie) or else by the browser's `Accept-Language`. Messages that come from the core
//! (explanations, field errors) stay as the core wrote them.

/// A language of the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// English, the default.
    En,
    /// Dutch.
    Nl,
    /// French.
    Fr,
    /// German.
    De,
}

impl Lang {
    /// Every language, in the switch's order.
    pub const ALL: [Lang; 4] = [Lang::En, Lang::Nl, Lang::Fr, Lang::De];

    /// The ISO 639-1 code (`nl`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Nl => "nl",
            Lang::Fr => "fr",
            Lang::De => "de",
        }
    }

    /// The language of a code (`nl`, `NL`, `nl-BE`), if it is one of ours.
    pub fn from_code(code: &str) -> Option<Lang> {
        let primary = code.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|lang| lang.code() == primary)
    }

    /// The language for a request: the switch's cookie, else the best of `Accept-Language`
    /// (by q-value, then order), else English.
    pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>) -> Lang {
        if let Some(lang) = cookie.and_then(Lang::from_code) {
            return lang;
        }
        let mut best: Option<(f32, Lang)> = None;
        for item in accept_language.unwrap_or("").split(',') {
            let mut parts = item.split(';');
            let Some(lang) = parts.next().and_then(Lang::from_code) else {
                continue;
            };
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, lang)| lang)
    }
}

/// The label `key` in `lang`; the key itself if it has none (a test keeps that from
/// happening for the keys the pages use).
pub fn t(lang: Lang, key: &'static str) -> &'static str {
    let Some((_, texts)) = LABELS.iter().find(|(k, _)| *k == key) else {
        return key;
    };
    match lang {
        Lang::En => texts[0],
        Lang::Nl => texts[1],
        Lang::Fr => texts[2],
        Lang::De => texts[3],
    }
}

/// The label `key` in `lang` with each `{name}` replaced by its value in `args`.
pub fn tf(lang: Lang, key: &'static str, args: &[(&str, &str)]) -> String {
    let mut text = t(lang, key).to_string();
    for (name, value) in args {
        text = text.replace(&format!("{{{name}}}"), value);
    }
    text
}

/// Every label: English, Dutch, French, German.
const LABELS: &[(&str, [&str; 4])] = &[
    (
        "input.not_utf8",
        [
            "contains bytes that are not text (not UTF-8)",
            "bevat bytes die geen tekst zijn (geen UTF-8)",
            "contient des octets qui ne sont pas du texte (pas de l'UTF-8)",
            "enthält Bytes, die kein Text sind (kein UTF-8)",
        ],
    ),
    (
        "input.too_long",
        [
            "at most {max} characters (this has {count})",
            "hoogstens {max} tekens (dit heeft er {count})",
            "au plus {max} caractères (ceci en a {count})",
            "höchstens {max} Zeichen (dies hat {count})",
        ],
    ),
    (
        "input.control",
        [
            "contains a control character ({code})",
            "bevat een stuurteken ({code})",
            "contient un caractère de contrôle ({code})",
            "enthält ein Steuerzeichen ({code})",
        ],
    ),
    (
        "input.required",
        ["required", "verplicht", "obligatoire", "erforderlich"],
    ),
    (
        "input.no_values",
        [
            "give at least one number as read on the object",
            "geef minstens één nummer zoals op het voorwerp gelezen",
            "indiquez au moins un numéro tel que lu sur l'objet",
            "geben Sie mindestens eine Nummer an, wie am Gegenstand gelesen",
        ],
    ),
    (
        "input.too_many",
        [
            "at most {max} numbers at once",
            "hoogstens {max} nummers tegelijk",
            "au plus {max} numéros à la fois",
            "höchstens {max} Nummern auf einmal",
        ],
    ),
    (
        "input.unknown_kind",
        [
            "unknown kind",
            "onbekende soort",
            "type inconnu",
            "unbekannte Art",
        ],
    ),
    (
        "input.country",
        [
            "'{code}' is not a country code such as NL or BE",
            "'{code}' is geen landcode zoals NL of BE",
            "'{code}' n'est pas un code de pays comme NL ou BE",
            "'{code}' ist kein Ländercode wie NL oder BE",
        ],
    ),
    (
        "core.quota",
        [
            "too many checks for now: {message}",
            "te veel controles op dit moment: {message}",
            "trop de vérifications pour le moment : {message}",
            "zu viele Prüfungen im Moment: {message}",
        ],
    ),
    (
        "core.refused",
        [
            "the core refused this request: {message}",
            "de kern weigerde dit verzoek: {message}",
            "le cœur a refusé cette demande : {message}",
            "der Kern hat diese Anfrage abgelehnt: {message}",
        ],
    ),
    (
        "core.unreachable",
        [
            "the matching service cannot be reached just now; try again in a minute",
            "de zoekdienst is nu niet bereikbaar; probeer het over een minuut opnieuw",
            "le service de recherche est injoignable pour l'instant ; réessayez dans une minute",
            "der Suchdienst ist gerade nicht erreichbar; versuchen Sie es in einer Minute erneut",
        ],
    ),
    (
        "core.failed",
        [
            "the matching service failed; try again, and tell the operator if it goes on",
            "de zoekdienst faalde; probeer opnieuw en meld het aan de beheerder als het blijft gebeuren",
            "le service de recherche a échoué ; réessayez et prévenez l'exploitant si cela continue",
            "der Suchdienst ist fehlgeschlagen; versuchen Sie es erneut und melden Sie es dem Betreiber, wenn es anhält",
        ],
    ),
    (
        "nav.check",
        [
            "Dealer check",
            "Controle handelaar",
            "Vérification commerçant",
            "Händlerprüfung",
        ],
    ),
    (
        "nav.search",
        [
            "Police search",
            "Politie zoeken",
            "Recherche police",
            "Polizeisuche",
        ],
    ),
    ("nav.status", ["Status", "Status", "État", "Status"]),
    (
        "nav.signout",
        ["Sign out", "Afmelden", "Se déconnecter", "Abmelden"],
    ),
    (
        "nav.skip",
        [
            "Skip to content",
            "Naar de inhoud",
            "Aller au contenu",
            "Zum Inhalt",
        ],
    ),
    ("nav.menu", ["Menu", "Menu", "Menu", "Menü"]),
    ("nav.language", ["Language", "Taal", "Langue", "Sprache"]),
    (
        "title.signin",
        ["Sign in", "Aanmelden", "Connexion", "Anmelden"],
    ),
    (
        "title.check",
        [
            "Is this object reported stolen?",
            "Is dit voorwerp als gestolen gemeld?",
            "Cet objet est-il signalé volé ?",
            "Ist dieser Gegenstand als gestohlen gemeldet?",
        ],
    ),
    (
        "title.certificate",
        [
            "Check certificate",
            "Controlebewijs",
            "Attestation de vérification",
            "Prüfbescheinigung",
        ],
    ),
    (
        "title.search",
        [
            "Search every country",
            "Zoeken in alle landen",
            "Rechercher dans tous les pays",
            "In allen Ländern suchen",
        ],
    ),
    (
        "title.status",
        [
            "Federation status",
            "Status van de federatie",
            "État de la fédération",
            "Status des Verbunds",
        ],
    ),
    (
        "field.name",
        [
            "User name",
            "Gebruikersnaam",
            "Nom d'utilisateur",
            "Benutzername",
        ],
    ),
    (
        "field.password",
        ["Password", "Wachtwoord", "Mot de passe", "Passwort"],
    ),
    ("field.values", ["Numbers", "Nummers", "Numéros", "Nummern"]),
    (
        "field.kind",
        [
            "Kind of number",
            "Soort nummer",
            "Type de numéro",
            "Art der Nummer",
        ],
    ),
    (
        "field.maker",
        [
            "Maker, when known (a firearm serial is unique per maker)",
            "Merk, indien bekend (een wapennummer is uniek per merk)",
            "Fabricant, s'il est connu (un numéro d'arme est unique par fabricant)",
            "Hersteller, falls bekannt (eine Waffennummer ist je Hersteller eindeutig)",
        ],
    ),
    (
        "field.countries",
        [
            "Countries (empty = all)",
            "Landen (leeg = alle)",
            "Pays (vide = tous)",
            "Länder (leer = alle)",
        ],
    ),
    (
        "field.text",
        [
            "Description words",
            "Woorden uit de beschrijving",
            "Mots de la description",
            "Wörter der Beschreibung",
        ],
    ),
    (
        "field.partners",
        [
            "Manufacturer look-up",
            "Opvraging bij fabrikant",
            "Interrogation du fabricant",
            "Herstellerabfrage",
        ],
    ),
    (
        "field.expand",
        [
            "Also ask manufacturers for linked numbers",
            "Ook fabrikanten om gekoppelde nummers vragen",
            "Demander aussi les numéros liés aux fabricants",
            "Auch Hersteller nach verknüpften Nummern fragen",
        ],
    ),
    ("field.purpose", ["Purpose", "Doel", "Finalité", "Zweck"]),
    (
        "field.case",
        [
            "Case reference",
            "Zaaknummer",
            "Référence du dossier",
            "Aktenzeichen",
        ],
    ),
    (
        "field.alert",
        ["Alert", "Signalering", "Signalement", "Ausschreibung"],
    ),
    (
        "field.location",
        [
            "Where it was found",
            "Waar het is aangetroffen",
            "Lieu de découverte",
            "Fundort",
        ],
    ),
    ("field.note", ["Note", "Opmerking", "Note", "Notiz"]),
    (
        "field.matched",
        [
            "Number read",
            "Gelezen nummer",
            "Numéro lu",
            "Gelesene Nummer",
        ],
    ),
    (
        "kind.any",
        ["any kind", "elke soort", "tout type", "jede Art"],
    ),
    (
        "hint.values",
        [
            "One per line: hull number, engine serial, VIN, frame number… as read on the object.",
            "Eén per regel: rompnummer, motornummer, VIN, framenummer… zoals op het voorwerp gelezen.",
            "Un par ligne : numéro de coque, de moteur, VIN, de cadre… tel que lu sur l'objet.",
            "Eine pro Zeile: Rumpfnummer, Motornummer, FIN, Rahmennummer… wie am Gegenstand gelesen.",
        ],
    ),
    (
        "hint.search_values",
        [
            "One per line, as read: misread characters are fine; * and ? stand for unreadable parts.",
            "Eén per regel, zoals gelezen: verkeerd gelezen tekens mogen; * en ? staan voor onleesbare delen.",
            "Un par ligne, tel que lu : les erreurs de lecture sont admises ; * et ? remplacent les parties illisibles.",
            "Eine pro Zeile, wie gelesen: Lesefehler sind erlaubt; * und ? stehen für unlesbare Teile.",
        ],
    ),
    (
        "hint.signin",
        [
            "Your account is given by the operator of this service.",
            "Uw account krijgt u van de beheerder van deze dienst.",
            "Votre compte est fourni par l'exploitant de ce service.",
            "Ihr Konto erhalten Sie vom Betreiber dieses Dienstes.",
        ],
    ),
    (
        "action.signin",
        ["Sign in", "Aanmelden", "Se connecter", "Anmelden"],
    ),
    (
        "action.check",
        ["Check", "Controleren", "Vérifier", "Prüfen"],
    ),
    (
        "action.search",
        ["Search", "Zoeken", "Rechercher", "Suchen"],
    ),
    (
        "action.certificate",
        [
            "Printable certificate of this check",
            "Afdrukbaar bewijs van deze controle",
            "Attestation imprimable de cette vérification",
            "Druckbare Bescheinigung dieser Prüfung",
        ],
    ),
    (
        "action.report",
        [
            "Report hit: the object is found",
            "Treffer melden: het voorwerp is gevonden",
            "Signaler la découverte de l'objet",
            "Treffer melden: Gegenstand gefunden",
        ],
    ),
    (
        "action.report_send",
        [
            "Send hit report",
            "Treffermelding versturen",
            "Envoyer le signalement",
            "Treffermeldung senden",
        ],
    ),
    (
        "answer.hit",
        ["HIT", "TREFFER", "RÉSULTAT POSITIF", "TREFFER"],
    ),
    (
        "answer.hit_text",
        [
            "Do not buy. Contact the police and quote the reference below.",
            "Niet kopen. Neem contact op met de politie en noem de referentie hieronder.",
            "N'achetez pas. Contactez la police en citant la référence ci-dessous.",
            "Nicht kaufen. Wenden Sie sich an die Polizei und nennen Sie die Referenz unten.",
        ],
    ),
    (
        "answer.nohit",
        ["NO HIT", "GEEN TREFFER", "AUCUN RÉSULTAT", "KEIN TREFFER"],
    ),
    (
        "answer.nohit_text",
        [
            "No alert matched in the countries checked. This is not a promise that the object is not stolen.",
            "Geen signalering gevonden in de gecontroleerde landen. Dit is geen garantie dat het voorwerp niet gestolen is.",
            "Aucun signalement dans les pays vérifiés. Ce n'est pas une garantie que l'objet n'est pas volé.",
            "Keine Ausschreibung in den geprüften Ländern. Das ist keine Garantie, dass der Gegenstand nicht gestohlen ist.",
        ],
    ),
    (
        "answer.incomplete",
        ["INCOMPLETE", "ONVOLLEDIG", "INCOMPLET", "UNVOLLSTÄNDIG"],
    ),
    (
        "answer.incomplete_text",
        [
            "Not every country answered. Check again later before buying.",
            "Niet elk land heeft geantwoord. Controleer later opnieuw voor u koopt.",
            "Tous les pays n'ont pas répondu. Vérifiez à nouveau plus tard avant d'acheter.",
            "Nicht alle Länder haben geantwortet. Prüfen Sie vor dem Kauf später erneut.",
        ],
    ),
    (
        "answer.reference",
        ["Reference", "Referentie", "Référence", "Referenz"],
    ),
    (
        "answer.checked",
        [
            "Countries checked",
            "Gecontroleerde landen",
            "Pays vérifiés",
            "Geprüfte Länder",
        ],
    ),
    (
        "answer.time",
        [
            "Checked at (UTC)",
            "Gecontroleerd op (UTC)",
            "Vérifié le (UTC)",
            "Geprüft am (UTC)",
        ],
    ),
    ("answer.call", ["Police", "Politie", "Police", "Polizei"]),
    (
        "certificate.statement",
        [
            "The numbers below were checked against the stolen-object alerts of the countries listed, with no hit.",
            "Onderstaande nummers zijn gecontroleerd tegen de signaleringen van gestolen voorwerpen van de genoemde landen, zonder treffer.",
            "Les numéros ci-dessous ont été vérifiés dans les signalements d'objets volés des pays indiqués, sans résultat.",
            "Die folgenden Nummern wurden mit den Ausschreibungen gestohlener Gegenstände der genannten Länder abgeglichen, ohne Treffer.",
        ],
    ),
    (
        "certificate.by",
        [
            "Checked by",
            "Gecontroleerd door",
            "Vérifié par",
            "Geprüft von",
        ],
    ),
    (
        "certificate.print",
        [
            "Print this page with your browser's print command.",
            "Druk deze pagina af met de afdrukopdracht van uw browser.",
            "Imprimez cette page avec la commande d'impression du navigateur.",
            "Drucken Sie diese Seite mit dem Druckbefehl Ihres Browsers.",
        ],
    ),
    (
        "purpose.theft",
        [
            "Theft investigation",
            "Onderzoek naar diefstal",
            "Enquête sur un vol",
            "Diebstahlermittlung",
        ],
    ),
    (
        "purpose.recovery",
        [
            "Identifying a recovered object",
            "Identificatie van een teruggevonden voorwerp",
            "Identification d'un objet retrouvé",
            "Identifizierung eines aufgefundenen Gegenstands",
        ],
    ),
    (
        "purpose.crossborder",
        [
            "Cross-border enquiry",
            "Grensoverschrijdend verzoek",
            "Demande transfrontalière",
            "Grenzüberschreitende Anfrage",
        ],
    ),
    (
        "results.title",
        ["Matches", "Overeenkomsten", "Correspondances", "Treffer"],
    ),
    (
        "results.none",
        [
            "No alert matched.",
            "Geen signalering gevonden.",
            "Aucun signalement trouvé.",
            "Keine Ausschreibung gefunden.",
        ],
    ),
    (
        "results.partial",
        [
            "Not every country answered: matches may be missing.",
            "Niet elk land heeft geantwoord: er kunnen overeenkomsten ontbreken.",
            "Tous les pays n'ont pas répondu : des correspondances peuvent manquer.",
            "Nicht alle Länder haben geantwortet: Treffer können fehlen.",
        ],
    ),
    (
        "results.already_reported",
        [
            "Already reported by {by}: this number is on an alert in force.",
            "Al gemeld door {by}: dit nummer staat op een geldige signalering.",
            "Déjà signalé par {by} : ce numéro figure sur un signalement en vigueur.",
            "Bereits gemeldet von {by}: diese Nummer steht in einer gültigen Ausschreibung.",
        ],
    ),
    (
        "results.groups",
        [
            "Same object reported in several countries",
            "Zelfde voorwerp in meerdere landen gemeld",
            "Même objet signalé dans plusieurs pays",
            "Derselbe Gegenstand in mehreren Ländern gemeldet",
        ],
    ),
    (
        "results.nodes",
        [
            "Countries asked",
            "Bevraagde landen",
            "Pays interrogés",
            "Abgefragte Länder",
        ],
    ),
    (
        "results.partners",
        [
            "Manufacturers asked",
            "Bevraagde fabrikanten",
            "Fabricants interrogés",
            "Abgefragte Hersteller",
        ],
    ),
    ("results.score", ["score", "score", "score", "Wert"]),
    ("results.action", ["action", "actie", "action", "Maßnahme"]),
    (
        "results.stored",
        ["Stored", "Opgeslagen", "Enregistré", "Gespeichert"],
    ),
    ("results.read", ["Read", "Gelezen", "Lu", "Gelesen"]),
    (
        "results.explanation",
        ["Explanation", "Uitleg", "Explication", "Erklärung"],
    ),
    (
        "results.restricted",
        [
            "Restricted: police of the issuing country only",
            "Vertrouwelijk: alleen politie van het signalerende land",
            "Restreint : police du pays émetteur uniquement",
            "Vertraulich: nur Polizei des ausschreibenden Landes",
        ],
    ),
    ("status.node", ["Node", "Knooppunt", "Nœud", "Knoten"]),
    ("status.country", ["Country", "Land", "Pays", "Land"]),
    (
        "status.outcome",
        ["Outcome", "Uitkomst", "Résultat", "Ergebnis"],
    ),
    (
        "status.message",
        ["Message", "Bericht", "Message", "Meldung"],
    ),
    (
        "status.probe",
        [
            "A search through the core, now",
            "Een zoekvraag via de kern, nu",
            "Une recherche via le cœur, maintenant",
            "Eine Suche über den Kern, jetzt",
        ],
    ),
    ("status.nodes", ["Nodes", "Knooppunten", "Nœuds", "Knoten"]),
    (
        "status.alerts",
        ["Alerts", "Signaleringen", "Signalements", "Ausschreibungen"],
    ),
    ("status.active", ["active", "actief", "actifs", "aktiv"]),
    (
        "status.identifiers",
        [
            "Identifiers indexed",
            "Geïndexeerde nummers",
            "Identifiants indexés",
            "Indizierte Nummern",
        ],
    ),
    (
        "status.lag",
        [
            "Index lag (changes)",
            "Indexachterstand (wijzigingen)",
            "Retard d'index (modifications)",
            "Indexrückstand (Änderungen)",
        ],
    ),
    (
        "status.hits",
        [
            "Hits received",
            "Ontvangen treffers",
            "Découvertes reçues",
            "Empfangene Treffer",
        ],
    ),
    (
        "status.segments",
        [
            "Index segments",
            "Indexsegmenten",
            "Segments d'index",
            "Indexsegmente",
        ],
    ),
    (
        "status.searches",
        [
            "Searches (last minute)",
            "Zoekvragen (laatste minuut)",
            "Recherches (dernière minute)",
            "Suchen (letzte Minute)",
        ],
    ),
    (
        "status.latency",
        [
            "p50 / p99 (ms)",
            "p50 / p99 (ms)",
            "p50 / p99 (ms)",
            "p50 / p99 (ms)",
        ],
    ),
    (
        "status.failures",
        [
            "Failed (last minute)",
            "Mislukt (laatste minuut)",
            "Échecs (dernière minute)",
            "Fehlgeschlagen (letzte Minute)",
        ],
    ),
    (
        "status.since",
        [
            "Up since (UTC)",
            "Actief sinds (UTC)",
            "En service depuis (UTC)",
            "Läuft seit (UTC)",
        ],
    ),
    (
        "status.rebuilding",
        [
            "rebuilding",
            "wordt herbouwd",
            "reconstruction",
            "wird neu aufgebaut",
        ],
    ),
    (
        "status.version",
        ["Version", "Versie", "Version", "Version"],
    ),
    (
        "msg.bad_signin",
        [
            "User name or password is wrong.",
            "Gebruikersnaam of wachtwoord is onjuist.",
            "Nom d'utilisateur ou mot de passe incorrect.",
            "Benutzername oder Passwort ist falsch.",
        ],
    ),
    (
        "msg.throttled",
        [
            "Too many failed sign-ins. Wait a few minutes and try again.",
            "Te veel mislukte aanmeldingen. Wacht enkele minuten en probeer opnieuw.",
            "Trop d'échecs de connexion. Attendez quelques minutes puis réessayez.",
            "Zu viele fehlgeschlagene Anmeldungen. Warten Sie einige Minuten.",
        ],
    ),
    (
        "msg.csrf",
        [
            "The form has expired. Please send it again.",
            "Het formulier is verlopen. Verstuur het opnieuw.",
            "Le formulaire a expiré. Veuillez le renvoyer.",
            "Das Formular ist abgelaufen. Bitte erneut senden.",
        ],
    ),
    (
        "msg.page_limit",
        [
            "Too many checks from this address. Wait a minute and try again.",
            "Te veel controles vanaf dit adres. Wacht een minuut en probeer opnieuw.",
            "Trop de vérifications depuis cette adresse. Attendez une minute.",
            "Zu viele Prüfungen von dieser Adresse. Warten Sie eine Minute.",
        ],
    ),
    (
        "msg.hit_reported",
        [
            "Hit reported: the issuing country has recorded it.",
            "Treffer gemeld: het signalerende land heeft het vastgelegd.",
            "Découverte signalée : le pays émetteur l'a enregistrée.",
            "Treffer gemeldet: das ausschreibende Land hat ihn erfasst.",
        ],
    ),
    (
        "msg.hit_pending",
        [
            "The owner's details are released to you once the issuing country accepts the report.",
            "De gegevens van de eigenaar komen vrij zodra het signalerende land de melding aanvaardt.",
            "Les données du propriétaire vous sont transmises quand le pays émetteur accepte le signalement.",
            "Die Daten des Eigentümers werden freigegeben, sobald das ausschreibende Land die Meldung annimmt.",
        ],
    ),
    (
        "msg.not_allowed",
        [
            "Your account may not use this page.",
            "Uw account mag deze pagina niet gebruiken.",
            "Votre compte ne peut pas utiliser cette page.",
            "Ihr Konto darf diese Seite nicht nutzen.",
        ],
    ),
    (
        "msg.choose_purpose",
        [
            "choose the purpose of the look-up",
            "kies het doel van de opvraging",
            "choisissez la finalité de l'interrogation",
            "wählen Sie den Zweck der Abfrage",
        ],
    ),
    (
        "msg.police_only",
        [
            "Only police report hits.",
            "Alleen politie meldt treffers.",
            "Seule la police signale les découvertes.",
            "Nur die Polizei meldet Treffer.",
        ],
    ),
    (
        "msg.no_check",
        [
            "No check yet: check a number first.",
            "Nog geen controle: controleer eerst een nummer.",
            "Aucune vérification : vérifiez d'abord un numéro.",
            "Noch keine Prüfung: prüfen Sie zuerst eine Nummer.",
        ],
    ),
    (
        "msg.not_found",
        [
            "There is no such page.",
            "Deze pagina bestaat niet.",
            "Cette page n'existe pas.",
            "Diese Seite gibt es nicht.",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_language_follows_the_switch_then_the_browser() {
        assert_eq!(Lang::negotiate(None, None), Lang::En);
        assert_eq!(
            Lang::negotiate(None, Some("nl-BE,nl;q=0.9,en;q=0.8")),
            Lang::Nl
        );
        assert_eq!(
            Lang::negotiate(None, Some("es, fr;q=0.5, de;q=0.7")),
            Lang::De
        );
        assert_eq!(Lang::negotiate(None, Some("es, pt;q=0.5")), Lang::En);
        assert_eq!(Lang::negotiate(Some("fr"), Some("de")), Lang::Fr);
        assert_eq!(Lang::negotiate(Some("xx"), Some("de;q=0")), Lang::En);
    }

    #[test]
    fn every_key_the_sources_use_has_all_four_languages() {
        let sources = [
            include_str!("html.rs"),
            include_str!("check.rs"),
            include_str!("search.rs"),
            include_str!("handlers.rs"),
            include_str!("input.rs"),
            include_str!("core_api.rs"),
            include_str!("pages/mod.rs"),
            include_str!("pages/login.rs"),
            include_str!("pages/check.rs"),
            include_str!("pages/search.rs"),
            include_str!("pages/status.rs"),
        ];
        let mut used = 0;
        for source in sources {
            for (i, _) in source.match_indices('"') {
                let rest = &source[i + 1..];
                let Some(end) = rest.find('"') else { continue };
                let key = &rest[..end];
                let prefix = key.split('.').next().unwrap_or("");
                let is_key = key.contains('.')
                    && !key.contains(' ')
                    && [
                        "input",
                        "core",
                        "nav",
                        "title",
                        "field",
                        "kind",
                        "hint",
                        "action",
                        "answer",
                        "certificate",
                        "purpose",
                        "results",
                        "status",
                        "msg",
                    ]
                    .contains(&prefix)
                    && key
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c == '.' || c == '_');
                if is_key {
                    used += 1;
                    let texts = LABELS.iter().find(|(k, _)| *k == key);
                    assert!(texts.is_some(), "label {key} is missing");
                }
            }
        }
        assert!(used > 50, "found only {used} keys");
        for (key, texts) in LABELS {
            assert!(texts.iter().all(|text| !text.is_empty()), "{key}");
        }
    }
}
