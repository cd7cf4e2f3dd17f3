//! Names the demo generator draws from: Orange Business products, French cities, streets and people.

pub(super) static PRODUCTS: &[(&str, &str)] = &[
    ("BVPN", "Business VPN Galerie"),
    ("BVPN-SMALL", "Business VPN Small"),
    ("FIBRE-PRO", "Fibre Pro 1 Gbit/s"),
    ("FIBRE-ENT", "Fibre Entreprise 10 Gbit/s"),
    ("SDWAN", "Flexible SD-WAN"),
    ("BTALK", "Business Talk"),
    ("BTIP", "Business Talk IP Centrex"),
    ("LAN-AAS", "LAN as a Service"),
    ("INTERNET-PRO", "Internet Pro"),
    ("EVOLUTION", "Business Evolution"),
    ("WIFI-PRO", "Wi-Fi Pro"),
    ("FLEX-SECURITY", "Flexible Security"),
    ("LIVEBOX-PRO", "Livebox Pro Fibre"),
    ("ETHERNET-LINK", "Ethernet Link 100 Mbit/s"),
];

/// City, first postal code, number of consecutive postal codes (arrondissements).
pub(super) static CITIES: &[(&str, u32, u32)] = &[
    ("Paris", 75001, 20),
    ("Marseille", 13001, 16),
    ("Lyon", 69001, 9),
    ("Toulouse", 31000, 1),
    ("Nice", 6000, 1),
    ("Nantes", 44000, 1),
    ("Strasbourg", 67000, 1),
    ("Montpellier", 34000, 1),
    ("Bordeaux", 33000, 1),
    ("Lille", 59000, 1),
    ("Rennes", 35000, 1),
    ("Reims", 51100, 1),
    ("Le Havre", 76600, 1),
    ("Saint-Étienne", 42000, 1),
    ("Toulon", 83000, 1),
    ("Grenoble", 38000, 1),
    ("Dijon", 21000, 1),
    ("Angers", 49000, 1),
    ("Nîmes", 30000, 1),
    ("Villeurbanne", 69100, 1),
    ("Clermont-Ferrand", 63000, 1),
    ("Le Mans", 72000, 1),
    ("Aix-en-Provence", 13100, 1),
    ("Brest", 29200, 1),
    ("Tours", 37000, 1),
    ("Amiens", 80000, 1),
    ("Limoges", 87000, 1),
    ("Annecy", 74000, 1),
    ("Besançon", 25000, 1),
    ("Orléans", 45000, 1),
    ("Rouen", 76000, 1),
    ("Metz", 57000, 1),
    ("Caen", 14000, 1),
    ("Rungis", 94150, 1),
    ("Issy-les-Moulineaux", 92130, 1),
    ("Boulogne-Billancourt", 92100, 1),
];

pub(super) static STREETS: &[&str] = &[
    "rue de la République",
    "avenue des Champs-Élysées",
    "boulevard Haussmann",
    "rue Victor Hugo",
    "avenue Jean Jaurès",
    "rue du Général Leclerc",
    "place de l'Hôtel de Ville",
    "cours Lafayette",
    "rue Pasteur",
    "avenue de la Libération",
    "rue de l'Église",
    "allée des Tilleuls",
    "chemin des Vignes",
    "rue Nationale",
    "avenue du Maréchal Foch",
    "rue Émile Zola",
    "rue des Écoles",
    "impasse du Moulin",
    "quai de la Gare",
    "boulevard Gambetta",
];

pub(super) static SITE_KINDS: &[&str] =
    &["Agence", "Agence", "Entrepôt", "Boutique", "Bureau régional", "Plateforme logistique", "Data center", "Usine", "Centre d'appels"];

/// Display name and its ASCII folding, for e-mail addresses.
pub(super) static FIRST_NAMES: &[(&str, &str)] = &[
    ("Élodie", "elodie"),
    ("Benoît", "benoit"),
    ("François", "francois"),
    ("Hélène", "helene"),
    ("Jérôme", "jerome"),
    ("Céline", "celine"),
    ("Stéphane", "stephane"),
    ("Amélie", "amelie"),
    ("Anaïs", "anais"),
    ("Loïc", "loic"),
    ("Gaëlle", "gaelle"),
    ("Zoé", "zoe"),
    ("Thomas", "thomas"),
    ("Camille", "camille"),
    ("Julien", "julien"),
    ("Sophie", "sophie"),
    ("Jean-Luc", "jean-luc"),
    ("Marie-Claire", "marie-claire"),
];

pub(super) static LAST_NAMES: &[(&str, &str)] = &[
    ("Lefèvre", "lefevre"),
    ("Dupont", "dupont"),
    ("Moreau", "moreau"),
    ("Girard", "girard"),
    ("Rousseau", "rousseau"),
    ("Bérard", "berard"),
    ("Lemaître", "lemaitre"),
    ("Chevalier", "chevalier"),
    ("Mercier", "mercier"),
    ("André", "andre"),
    ("Brûlé", "brule"),
    ("Étienne", "etienne"),
    ("Le Goff", "legoff"),
    ("Faure", "faure"),
];

/// Customer references that are not purchase-order numbers: mixed case and accents, so that
/// code-point sorting differs from a naive one.
pub(super) static ODD_REFERENCES: &[&str] =
    &["Réf-Été", "réf-hiver", "Projet Écluse", "ZÈBRE", "déploiement-sdwan", "Opération Noël", "ÉCOLE", "Zone Île-de-France", "po-interne"];

pub(super) static COMMENTS: &[&str] = &[
    "Accès par le parking",
    "Prévoir badge",
    "Technicien Orange sur site",
    "Appeler l'accueil 30 minutes avant",
    "Local technique au sous-sol",
    "Clés à récupérer à l'accueil",
    "Présence du client obligatoire",
    "Créneau confirmé par téléphone",
];

pub(super) static MILESTONES: &[&str] = &["Order received", "Order validated", "Site survey", "Installation", "Service activated"];
pub(super) static CEASE_MILESTONES: &[&str] = &["Order received", "Order validated", "Service deactivated", "Equipment collected"];
