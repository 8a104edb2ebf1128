//! The report page's words in English, German and French. A closed set of languages is an
//! enum; a missing translation is a compile error, not a blank label.

use crate::report::{Category, OccurredHint};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
    Fr,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::De, Lang::Fr];
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Fr => "fr",
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Fr => "Français",
        }
    }
    /// `?lang=` first, then the first supported language of `Accept-Language`, else English.
    pub fn negotiate(query: Option<&str>, accept_language: Option<&str>) -> Lang {
        let from = |code: &str| Lang::ALL.into_iter().find(|l| code.trim().to_ascii_lowercase().starts_with(l.code()));
        if let Some(l) = query.and_then(from) {
            return l;
        }
        accept_language
            .into_iter()
            .flat_map(|h| h.split(','))
            .filter_map(|part| from(part.split(';').next().unwrap_or("")))
            .next()
            .unwrap_or(Lang::En)
    }
}

/// Every text of the report form and its answers.
#[derive(Debug)]
pub struct Texts {
    pub title: &'static str,
    pub intro: &'static str,
    pub what: &'static str,
    pub where_: &'static str,
    pub where_hint: &'static str,
    pub when: &'static str,
    pub description: &'static str,
    pub description_hint: &'static str,
    pub attachment: &'static str,
    pub attachment_hint: &'static str,
    pub submit: &'static str,
    pub thanks: &'static str,
    pub thanks_body: &'static str,
    pub reference: &'static str,
    pub follow: &'static str,
    pub problem: &'static str,
    pub status: &'static str,
}

pub fn texts(lang: Lang) -> &'static Texts {
    match lang {
        Lang::En => &EN,
        Lang::De => &DE,
        Lang::Fr => &FR,
    }
}

static EN: Texts = Texts {
    title: "Report something suspicious",
    intro: "Saw something odd? Tell us now. It takes a minute, you do not need to be sure, and you will never be blamed for reporting.",
    what: "What happened?",
    where_: "Where? (department or ward)",
    where_hint: "For example: Emergency department, Ward 4B, Radiology front desk",
    when: "When?",
    description: "Anything else we should know? (optional)",
    description_hint: "Do not write patient names or record numbers here.",
    attachment: "Attach the e-mail or a screenshot (optional)",
    attachment_hint: "An e-mail file (.eml or .msg, e.g. dragged out of Outlook) or a photo/screenshot (PNG or JPEG), at most 2 MiB. Do not forward the e-mail to colleagues.",
    submit: "Send report",
    thanks: "Thank you — your report has been received",
    thanks_body: "The response team has been alerted. Keep the reference number: with it you can see what happened to your report.",
    reference: "Reference number",
    follow: "Follow your report",
    problem: "There is a problem",
    status: "Status of your report",
};

static DE: Texts = Texts {
    title: "Etwas Verdächtiges melden",
    intro: "Ist Ihnen etwas seltsam vorgekommen? Melden Sie es jetzt. Es dauert eine Minute, Sie müssen sich nicht sicher sein, und niemand macht Ihnen einen Vorwurf.",
    what: "Was ist passiert?",
    where_: "Wo? (Abteilung oder Station)",
    where_hint: "Zum Beispiel: Notaufnahme, Station 4B, Anmeldung Radiologie",
    when: "Wann?",
    description: "Was sollten wir noch wissen? (optional)",
    description_hint: "Bitte keine Patientennamen oder Fallnummern eintragen.",
    attachment: "E-Mail oder Bildschirmfoto anhängen (optional)",
    attachment_hint: "Eine E-Mail-Datei (.eml oder .msg, z. B. aus Outlook gezogen) oder ein Foto/Bildschirmfoto (PNG oder JPEG), höchstens 2 MiB. Leiten Sie die E-Mail nicht an Kollegen weiter.",
    submit: "Meldung senden",
    thanks: "Danke — Ihre Meldung ist eingegangen",
    thanks_body: "Das Response-Team ist alarmiert. Bewahren Sie die Referenznummer auf: damit sehen Sie, was aus Ihrer Meldung geworden ist.",
    reference: "Referenznummer",
    follow: "Ihre Meldung verfolgen",
    problem: "Es gibt ein Problem",
    status: "Stand Ihrer Meldung",
};

static FR: Texts = Texts {
    title: "Signaler quelque chose de suspect",
    intro: "Vous avez remarqué quelque chose d'inhabituel ? Signalez-le maintenant. Cela prend une minute, vous n'avez pas besoin d'en être sûr, et on ne vous reprochera jamais de signaler.",
    what: "Que s'est-il passé ?",
    where_: "Où ? (service ou unité)",
    where_hint: "Par exemple : urgences, unité 4B, accueil de radiologie",
    when: "Quand ?",
    description: "Autre chose à savoir ? (facultatif)",
    description_hint: "N'écrivez pas de noms de patients ni de numéros de dossier.",
    attachment: "Joindre le courriel ou une capture d'écran (facultatif)",
    attachment_hint: "Un fichier de courriel (.eml ou .msg, par ex. glissé depuis Outlook) ou une photo/capture (PNG ou JPEG), 2 Mio au plus. Ne transférez pas le courriel à vos collègues.",
    submit: "Envoyer le signalement",
    thanks: "Merci — votre signalement a été reçu",
    thanks_body: "L'équipe de réponse a été alertée. Gardez le numéro de référence : il vous permet de suivre votre signalement.",
    reference: "Numéro de référence",
    follow: "Suivre votre signalement",
    problem: "Il y a un problème",
    status: "État de votre signalement",
};

pub fn category_label(lang: Lang, c: Category) -> &'static str {
    use Category::*;
    match (lang, c) {
        (Lang::En, SuspiciousEmail) => "A suspicious e-mail",
        (Lang::En, StrangeCall) => "A strange phone call",
        (Lang::En, DeviceBehaviour) => "A computer or device behaving oddly",
        (Lang::En, LostDevice) => "A lost or stolen device",
        (Lang::En, MisdirectedData) => "Data sent to the wrong person",
        (Lang::En, Other) => "Something else",
        (Lang::De, SuspiciousEmail) => "Eine verdächtige E-Mail",
        (Lang::De, StrangeCall) => "Ein seltsamer Anruf",
        (Lang::De, DeviceBehaviour) => "Ein Computer oder Gerät verhält sich merkwürdig",
        (Lang::De, LostDevice) => "Ein verlorenes oder gestohlenes Gerät",
        (Lang::De, MisdirectedData) => "Daten an die falsche Person geschickt",
        (Lang::De, Other) => "Etwas anderes",
        (Lang::Fr, SuspiciousEmail) => "Un courriel suspect",
        (Lang::Fr, StrangeCall) => "Un appel téléphonique étrange",
        (Lang::Fr, DeviceBehaviour) => "Un ordinateur ou appareil au comportement anormal",
        (Lang::Fr, LostDevice) => "Un appareil perdu ou volé",
        (Lang::Fr, MisdirectedData) => "Des données envoyées à la mauvaise personne",
        (Lang::Fr, Other) => "Autre chose",
    }
}

pub fn occurred_label(lang: Lang, o: OccurredHint) -> &'static str {
    use OccurredHint::*;
    match (lang, o) {
        (Lang::En, JustNow) => "Just now",
        (Lang::En, LastHour) => "In the last hour",
        (Lang::En, EarlierToday) => "Earlier today",
        (Lang::En, Yesterday) => "Yesterday",
        (Lang::En, BeforeYesterday) => "Before yesterday",
        (Lang::De, JustNow) => "Gerade eben",
        (Lang::De, LastHour) => "In der letzten Stunde",
        (Lang::De, EarlierToday) => "Heute, früher",
        (Lang::De, Yesterday) => "Gestern",
        (Lang::De, BeforeYesterday) => "Vorgestern",
        (Lang::Fr, JustNow) => "À l'instant",
        (Lang::Fr, LastHour) => "Dans la dernière heure",
        (Lang::Fr, EarlierToday) => "Plus tôt aujourd'hui",
        (Lang::Fr, Yesterday) => "Hier",
        (Lang::Fr, BeforeYesterday) => "Avant-hier",
    }
}

pub fn status_label(lang: Lang, s: crate::ReportStatus) -> &'static str {
    use crate::ReportStatus::*;
    match (lang, s) {
        (Lang::En, New) => "Received: waiting for the response team",
        (Lang::En, Acknowledged) => "The response team is looking at it",
        (Lang::En, Dismissed) => "Checked: no threat found. Thank you for reporting",
        (Lang::En, Merged) => "Joined with another report of the same thing",
        (Lang::En, Incident) => "Handled as a security incident",
        (Lang::De, New) => "Eingegangen: wartet auf das Response-Team",
        (Lang::De, Acknowledged) => "Das Response-Team prüft die Meldung",
        (Lang::De, Dismissed) => "Geprüft: keine Bedrohung. Danke für die Meldung",
        (Lang::De, Merged) => "Mit einer anderen Meldung derselben Sache zusammengeführt",
        (Lang::De, Incident) => "Wird als Sicherheitsvorfall behandelt",
        (Lang::Fr, New) => "Reçu : en attente de l'équipe de réponse",
        (Lang::Fr, Acknowledged) => "L'équipe de réponse l'examine",
        (Lang::Fr, Dismissed) => "Vérifié : aucune menace. Merci d'avoir signalé",
        (Lang::Fr, Merged) => "Regroupé avec un autre signalement du même événement",
        (Lang::Fr, Incident) => "Traité comme un incident de sécurité",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn negotiation() {
        assert_eq!(Lang::negotiate(Some("fr"), Some("de-DE")), Lang::Fr);
        assert_eq!(Lang::negotiate(None, Some("it-IT,de-CH;q=0.8,en;q=0.5")), Lang::De);
        assert_eq!(Lang::negotiate(Some("xx"), None), Lang::En);
    }
}
