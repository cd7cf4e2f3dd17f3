//! Every word the portal shows, in English and French. A page asks for `Text::X.in_(language)`;
//! the values orders carry (statuses, appointment types) are translated by [`value`].

use super::Language;

macro_rules! catalogue {
    ($($key:ident => $en:literal, $fr:literal;)+) => {
        /// The portal's texts, one variant per label or message.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Text { $($key,)+ }

        impl Text {
            pub const ALL: &[Text] = &[$(Text::$key,)+];

            pub fn in_(self, language: Language) -> &'static str {
                match (self, language) {
                    $((Text::$key, Language::En) => $en, (Text::$key, Language::Fr) => $fr,)+
                }
            }
        }
    };
}

catalogue! {
    Portal => "Order tracking", "Suivi de commandes";
    SkipToContent => "Skip to content", "Aller au contenu";
    Language => "Language", "Langue";
    Change => "Change", "Changer";
    SignIn => "Sign in", "Connexion";
    SignInButton => "Sign in", "Se connecter";
    SignOut => "Sign out", "Se déconnecter";
    SignedInAs => "Signed in as", "Connecté en tant que";
    Email => "Email", "Adresse e-mail";
    Password => "Password", "Mot de passe";
    WrongLogin => "Wrong email or password.", "Adresse e-mail ou mot de passe incorrect.";
    SessionEnded => "Your session has ended: sign in again.", "Votre session a pris fin : reconnectez-vous.";
    FormExpired => "This form has expired: try again.", "Ce formulaire a expiré : recommencez.";
    ChoosePassword => "Choose your password", "Choisissez votre mot de passe";
    NewPassword => "New password (12 characters or more)", "Nouveau mot de passe (12 caractères ou plus)";
    RepeatPassword => "The same password again", "Le même mot de passe, à nouveau";
    SavePassword => "Save the password", "Enregistrer le mot de passe";
    PasswordTooShort => "This password is too short: use 12 characters or more.", "Ce mot de passe est trop court : utilisez 12 caractères ou plus.";
    PasswordTooCommon => "This password is among the most common ones: choose another.", "Ce mot de passe fait partie des plus courants : choisissez-en un autre.";
    PasswordsDiffer => "The two passwords differ: type the same one twice.", "Les deux mots de passe diffèrent : saisissez deux fois le même.";
    LinkInvalid => "This link has expired or was already used: ask your administrator for a new one.", "Ce lien a expiré ou a déjà servi : demandez-en un nouveau à votre administrateur.";
    PasswordSet => "Your password is set: sign in with it.", "Votre mot de passe est enregistré : connectez-vous avec.";
    Orders => "Orders", "Commandes";
    Order => "Order", "Commande";
    Status => "Status", "Statut";
    RequestStatus => "Request status", "État de la demande";
    Product => "Product", "Produit";
    Site => "Site", "Site";
    City => "City", "Ville";
    OrderDate => "Order date", "Date de commande";
    ExpectedCompletion => "Expected completion", "Achèvement prévu";
    Completion => "Completion", "Achèvement";
    LastUpdate => "Last update", "Dernière mise à jour";
    Filters => "Filters", "Filtres";
    Any => "Any", "Tous";
    OrderedFrom => "Ordered from", "Commandée à partir du";
    OrderedBefore => "Ordered before", "Commandée avant le";
    Search => "Order id or your reference", "N° de commande ou votre référence";
    Filter => "Filter", "Filtrer";
    ClearFilters => "Clear the filters", "Effacer les filtres";
    NoOrders => "No order matches these filters.", "Aucune commande ne correspond à ces filtres.";
    Of => "of", "sur";
    Previous => "Previous page", "Page précédente";
    Next => "Next page", "Page suivante";
    Pages => "Pages", "Pages";
    SortedAscending => "sorted ascending", "tri croissant";
    SortedDescending => "sorted descending", "tri décroissant";
    ExportCsv => "Export as CSV", "Exporter en CSV";
    BackToOrders => "Back to the orders", "Retour aux commandes";
    NoSuchOrder => "No such order", "Commande introuvable";
    NoSuchOrderText => "No order of yours has this id.", "Aucune de vos commandes ne porte ce numéro.";
    NoSuchPage => "No such page", "Page introuvable";
    Action => "Action", "Action";
    Request => "Request", "Demande";
    YourReference => "Your reference", "Votre référence";
    OrangeContact => "Orange contact", "Contact Orange";
    Address => "Address", "Adresse";
    Timeline => "Timeline", "Chronologie";
    Done => "done", "effectué";
    ToCome => "to come", "à venir";
    Rescheduled => "rescheduled", "reporté";
    Cancelled => "cancelled", "annulé";
    Appointment => "Appointment", "Rendez-vous";
    Milestone => "Milestone", "Étape";
    Updated => "updated", "mis à jour";
    BadFilter => "A filter is not valid", "Un filtre n'est pas valide";
    Unavailable => "The service is unavailable for a moment: try again shortly.", "Le service est momentanément indisponible : réessayez dans un instant.";
}

/// An order's value in the language: statuses, request statuses, actions and appointment types
/// the API names in English. A value this version does not know is shown as it came.
pub fn value(language: Language, value: &str) -> String {
    const FRENCH: &[(&str, &str)] = &[
        ("Current", "En cours"),
        ("Closed", "Clôturée"),
        ("Acknowledged", "Prise en compte"),
        ("In progress", "En cours de réalisation"),
        ("Pending customer", "En attente du client"),
        ("Held", "Suspendue"),
        ("Completed", "Réalisée"),
        ("Cancelled", "Annulée"),
        ("Rejected", "Rejetée"),
        ("Add", "Création"),
        ("Modify", "Modification"),
        ("Move", "Déménagement"),
        ("Cease", "Résiliation"),
        ("Survey", "Visite technique"),
        ("Installation", "Installation"),
        ("Delivery", "Livraison"),
        ("Test", "Test"),
    ];
    match language {
        Language::En => value.to_owned(),
        Language::Fr => FRENCH.iter().find(|(en, _)| *en == value).map_or_else(|| value.to_owned(), |(_, fr)| (*fr).to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_written_in_both_languages() {
        for text in Text::ALL {
            let (en, fr) = (text.in_(Language::En), text.in_(Language::Fr));
            assert!(!en.is_empty() && !fr.is_empty(), "{text:?}");
        }
        assert_eq!(value(Language::Fr, "Pending customer"), "En attente du client");
        assert_eq!(value(Language::Fr, "Something new"), "Something new");
        assert_eq!(value(Language::En, "Held"), "Held");
    }
}
