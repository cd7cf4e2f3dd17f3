//! The API's error descriptions in French, for a call that sends `Accept-Language: fr` (as
//! Orange's sibling B2B APIs answer): the code, the label (`message`) and the JSON shape stay as
//! in English; only `description` changes. What a description quotes from elsewhere (a query
//! parser's or a validator's words about one value) stays as it was written, in English.

use time::format_description::well_known::Rfc3339;

use crate::http::error::ApiError;
use crate::http::paths::{HUB_PATH, TOKEN_PATH};
use crate::http::rate_limit::{Decision, retry_after_seconds};

const BEARER_HOW_TO: &str = "envoyez « Authorization: Bearer <access_token> » avec un jeton obtenu par POST /oauth/v3/token";
const ADMIN_HOW_TO: &str = "envoyez « Authorization: Bearer adm_... » avec un jeton de `order-tracking admin token create`";

pub fn french(error: &ApiError) -> String {
    use ApiError::*;
    match error {
        MissingToken => format!("Le service demande des identifiants, et aucun n'a été fourni : {BEARER_HOW_TO}."),
        MalformedAuthorization => format!(
            "Le service demande des identifiants, mais l'en-tête Authorization ne contient pas de jeton « Bearer » (le préfixe « Bearer » manque-t-il ?) : {BEARER_HOW_TO}."
        ),
        InvalidToken => format!("Le service demande des identifiants, et le jeton d'accès fourni est invalide ou révoqué : {BEARER_HOW_TO}."),
        MissingAdminToken => format!("L'API d'administration demande des identifiants, et aucun n'a été fourni : {ADMIN_HOW_TO}."),
        InvalidAdminToken => {
            format!("L'API d'administration demande des identifiants, et le jeton fourni n'est pas un jeton d'administration valide : {ADMIN_HOW_TO}.")
        }
        InvalidOrders { problems, .. } => format!(
            "Rien n'a été écrit : corrigez chaque problème et renvoyez les commandes ({} problème(s)) : {}.",
            problems.len(),
            problems.iter().take(100).map(String::as_str).collect::<Vec<_>>().join("; ")
        ),
        ExpiredToken => format!("Le service demande des identifiants, et le jeton d'accès fourni a expiré : demandez-en un nouveau par POST {TOKEN_PATH}."),
        MissingApiKey => "Le service demande des identifiants, et aucune clé d'API n'a été fournie : envoyez-la dans l'en-tête X-Api-Key.".into(),
        InvalidApiKey => {
            "Le service demande des identifiants, et la clé d'API fournie dans X-Api-Key est invalide ou révoquée : vérifiez-la, ou demandez-en une nouvelle au support.".into()
        }
        ExpiredApiKey { expired_at } => format!(
            "Le service demande des identifiants, et la clé d'API fournie a expiré le {} : demandez au support de la renouveler (la clé elle-même ne change pas).",
            expired_at.format(&Rfc3339).unwrap_or_default()
        ),
        ForeignApiKey => {
            "La clé d'API et le jeton d'accès appartiennent à des clients différents : utilisez la clé délivrée avec votre client OAuth.".into()
        }
        InvalidQuery(error) => format!("Paramètre de requête « {} » invalide : {}.", error.parameter, error.problem.trim_end_matches('.')),
        InvalidUrlParameter => "Une partie du chemin de l'URL n'a pas pu être décodée : encodez-la en UTF-8 avec des pourcentages.".into(),
        InvalidHeader { header, problem } => format!("En-tête « {header} » invalide : {problem}."),
        MissingBody => "Cette opération lit un corps JSON, et la requête n'en avait pas : envoyez-en un avec Content-Type: application/json.".into(),
        InvalidBody(problem) => format!("Le corps de la requête n'est pas ce que cette opération lit : {problem}."),
        MissingBodyField(field) => format!("Le corps de la requête n'a pas de « {field} » : il est obligatoire."),
        InvalidBodyField { field, problem } => format!("Champ « {field} » du corps invalide : {}.", problem.trim_end_matches('.')),
        NotFound(description) => format!("Introuvable : {description}"),
        NoSuchPath => "Aucune ressource n'existe à ce chemin : /order-tracking/b2b/v1/openapi.json liste les chemins de l'API.".into(),
        NoSuchOrder(id) => format!("Aucune commande {id:?} parmi les vôtres : vérifiez le numéro (la liste de vos commandes les donne)."),
        NoSuchSubscription(id) => format!("Aucun abonnement {id} parmi les vôtres : GET {HUB_PATH} les liste."),
        MethodNotAllowed => "Cette méthode n'est pas permise sur cette ressource : voyez l'en-tête Allow.".into(),
        PreconditionFailed => {
            "La commande a changé depuis l'ETag donné dans If-Match : relisez-la (GET donne son ETag), puis réessayez avec celui-ci.".into()
        }
        UnsupportedMediaType { accepted } => format!("Cette opération lit un corps de Content-Type {accepted} : envoyez l'un de ceux-là."),
        NotAcceptable => "Cette API ne répond qu'en application/json : acceptez application/json (ou */*).".into(),
        Timeout => "Le traitement de la requête a pris trop de temps : réessayez plus tard, ou restreignez la requête.".into(),
        PayloadTooLarge => "Le corps de la requête est trop grand.".into(),
        UriTooLong => "L'URI de la requête est trop longue : utilisez moins de paramètres, ou de plus courts.".into(),
        HeadersTooLarge { size, limit } => {
            format!("Les en-têtes de la requête font {size} octets, plus que les {limit} permis : envoyez-en moins, ou de plus courts.")
        }
        TooManyRequests(Decision::Refused { limit, retry_after }) => format!(
            "Trop de requêtes de ce client : au plus {limit} par minute. Réessayez dans {} s (voyez Retry-After).",
            retry_after_seconds(*retry_after)
        ),
        TooManyRequests(Decision::Allowed { .. }) => "Trop de requêtes de ce client : réessayez plus tard.".into(),
        Unavailable(_) => "La base de données est momentanément injoignable : réessayez dans quelques secondes.".into(),
        Internal(_) => {
            "Une erreur inattendue s'est produite : réessayez plus tard, et citez l'en-tête X-OAPI-Request-Id au support si elle persiste.".into()
        }
    }
}
