"""Realistic made-up clients and network members, English and French (demo and benchmarks).

The English data is a mix of Canadian names; the French data ("fr") reads as a Québec firm's
clients would: Tremblay, Gagnon, Côté; "Plomberie Gagnon & Fils", "Dépanneur Chez Ginette".
"""

from __future__ import annotations

import random

from store.text import fold
from store.validate import CleanClient

FIRST = ("Émilie Jean Marie Luc Sophie Nathalie François Olivier Chloé Gabriel Léa Mathieu "
         "Isabelle Pierre Julie Michel Sarah David Emily James Olivia Liam Emma Noah Ava "
         "William Grace Benjamin Hannah Lucas Zoé Hélène André Josée Réjean").split()
PEOPLE = ("Gagnon Tremblay Roy Côté Bouchard Gauthier Morin Lavoie Fortin Gagné Ouellet "
          "Pelletier Bélanger Lévesque Bergeron Leblanc Paquette Girard Simard Boucher Smith "
          "Johnson Brown Wilson Taylor Campbell Anderson MacDonald Thompson Martin Lee O'Brien "
          "Nguyen Patel Dubois Lemieux Cloutier Poirier Fournier Caron Beaulieu Cormier Kelly "
          "Murphy Walsh Chen Singh Wong Dupuis Hébert Thibault Proulx Vachon Richard Mercier"
          ).split()
TRADES_FR = ("Plomberie Construction Boulangerie Services Conseils Transport Immobilier Café "
             "Garage Pharmacie Atelier Toiture Paysagement Électricité Rénovations Quincaillerie "
             "Comptabilité Traiteur Boucherie Fromagerie Ébénisterie Déneigement Imprimerie"
             ).split()
TRADES_EN = ("Consulting Holdings Bakery Logistics Dental Plumbing Roofing Landscaping Electric "
             "Renovations Hardware Accounting Catering Printing Design Software Cleaning Auto "
             "Marketing Trucking Flooring Painting Moving").split()
SUFFIX_FR = ("Inc.", "Ltée", "& Fils", "S.E.N.C.", "Enr.", "& Frères", "")
SUFFIX_EN = ("Inc.", "Ltd.", "Corp.", "& Sons", "LLC", "Co.", "")
DOMAINS = ("gmail.com", "videotron.ca", "hotmail.com", "outlook.com", "bell.net", "sympatico.ca")
CITIES = {
    "CA": ("Montréal", "Québec", "Laval", "Gatineau", "Sherbrooke", "Trois-Rivières", "Lévis",
           "Saguenay", "Toronto", "Ottawa", "Vancouver", "Calgary", "Halifax", "Moncton"),
    "US": ("Boston", "Burlington", "Plattsburgh", "Portland", "Buffalo"),
    "FR": ("Paris", "Lyon", "Nantes", "Bordeaux", "Lille"),
}
# Québec: the most frequent family names, given names of the generations a firm serves, and
# businesses named the way they are there (trade and family, "Chez" and a given name,
# "Les Entreprises", lowercase "inc." and "ltée").
FIRST_QC = ("Jean Marie Luc Sylvie Nathalie François Martin Stéphane Julie Mélanie Isabelle "
            "Geneviève Marc-André Jean-François Mathieu Chantal Réjean Ginette Gaétan Denis "
            "Claude Louise Francine Caroline Véronique Alexandre Maxime Simon Catherine Annie "
            "Josée Guylaine Normand Sébastien Éric Patrick Benoît Yves Pierre Lucie Karine "
            "Émilie Gabriel Léa Olivier Chloé Samuel Félix Rosalie Jacques Manon Richard "
            "Marie-Ève Marc Hélène Diane Gilles Raymond Lise Sophie Vincent").split()
PEOPLE_QC = ("Tremblay Gagnon Roy Côté Bouchard Gauthier Morin Lavoie Fortin Gagné Ouellet "
             "Pelletier Bélanger Lévesque Bergeron Leblanc Paquette Girard Simard Boucher Caron "
             "Beaulieu Cloutier Dubé Poirier Fournier Lapointe Leclerc Lefebvre Poulin Thibault "
             "St-Pierre Nadeau Martin Landry Martel Bédard Grenier Lessard Bernier Richard "
             "Michaud Hébert Desjardins Couture Turcotte Lachance Parent Blais Gosselin Savard "
             "Proulx Beaudoin Demers Perreault Boudreau Lemieux Cyr Perron Dufour Dion Mercier "
             "Bolduc Bérubé Boivin Langlois Ménard Vachon Lemay Dupuis Tessier Laflamme "
             "Côté-Tremblay Gingras Dionne Harvey Labbé Paradis Rousseau Bouchard-Roy").split()
TRADES_QC = ("Plomberie Construction Boulangerie Transport Toiture Paysagement Électricité "
             "Rénovations Quincaillerie Traiteur Boucherie Fromagerie Ébénisterie Déneigement "
             "Imprimerie Garage Excavation Menuiserie Peinture Climatisation Pharmacie "
             "Mécanique Pâtisserie Érablière Ferme Pêcheries Débosselage Coiffure").split()
CHEZ_QC = ("Dépanneur", "Casse-croûte", "Restaurant", "Salon de coiffure", "Pizzeria",
           "Friperie", "Café", "Garderie")
SUFFIX_QC = ("inc.", "ltée", "& Fils", "& Frères", "enr.", "S.E.N.C.", "", "", "")
DOMAINS_QC = ("videotron.ca", "gmail.com", "hotmail.com", "outlook.com", "bell.net",
              "sympatico.ca", "globetrotter.net", "cgocable.ca")
AREAS_QC = ("514", "438", "450", "418", "819", "581")
CITIES_QC = ("Montréal", "Québec", "Laval", "Gatineau", "Longueuil", "Sherbrooke", "Saguenay",
             "Lévis", "Trois-Rivières", "Terrebonne", "Rimouski", "Drummondville", "Granby",
             "Saint-Jérôme", "Rouyn-Noranda", "Victoriaville", "Alma", "Baie-Comeau")
FIRST_QC_WOMEN_CHEZ = ("Ginette", "Lise", "Manon", "Francine", "Diane", "Josée", "Louise",
                       "Sylvie")
FIRST_QC_MEN_CHEZ = ("Gilles", "Réjean", "Normand", "Gaétan", "Raymond", "Jacques", "Denis")
PLANS = ("Simple Start", "Essentials", "Plus", "Advanced")
MEMBER_COLUMNS = ["member_id", "name", "email", "phone", "website", "address", "city", "region",
                  "plan", "visible"]


def company_name(rng: random.Random) -> tuple[str, str]:
    """A company name and the language it reads in."""
    person = rng.choice(PEOPLE)
    if rng.random() < 0.55:
        return f"{rng.choice(TRADES_FR)} {person} {rng.choice(SUFFIX_FR)}".strip(), "fr"
    return f"{person} {rng.choice(TRADES_EN)} {rng.choice(SUFFIX_EN)}".strip(), "en"


def company_name_qc(rng: random.Random) -> str:
    """A Québec business: "Plomberie Gagnon & Fils", "Dépanneur Chez Ginette", "Traiteur
    Lavoie", "Garage Pelletier inc.", "Les Entreprises Côté ltée"."""
    person, shape = rng.choice(PEOPLE_QC), rng.random()
    if shape < 0.12:
        return f"{rng.choice(CHEZ_QC)} Chez {rng.choice(FIRST_QC_WOMEN_CHEZ + FIRST_QC_MEN_CHEZ)}"
    if shape < 0.27:
        return f"Les Entreprises {person} {rng.choice(('inc.', 'ltée'))}"
    if shape < 0.35:
        return f"{person} & Associés"
    return f"{rng.choice(TRADES_QC)} {person} {rng.choice(SUFFIX_QC)}".strip()


def client(rng: random.Random, i: int, language: str = "en") -> CleanClient:
    """A checked client: seven in ten are individuals. "fr": a Québec firm's clients."""
    if language == "fr":
        return _client_qc(rng, i)
    phone = f"+1514{rng.randrange(200, 999)}{i % 10000:04d}" if rng.random() < 0.6 else None
    if rng.random() < 0.7:
        first, last = rng.choice(FIRST), rng.choice(PEOPLE)
        local = fold(f"{first}.{last}").replace(" ", "").replace("'", "")
        return CleanClient("individual", f"{local}{i}@{rng.choice(DOMAINS)}", first, last, "",
                           phone, rng.choice(("en", "fr")))
    name, language = company_name(rng)
    slug = "".join(ch for ch in fold(name) if ch.isalnum())[:24]
    return CleanClient("organization", f"info{i}@{slug}.example.com", "", "", name, phone,
                       language)


def _client_qc(rng: random.Random, i: int) -> CleanClient:
    """A Québec firm's client: mostly French-speaking, a few English-speaking."""
    phone = (f"+1{rng.choice(AREAS_QC)}{rng.randrange(200, 999)}{i % 10000:04d}"
             if rng.random() < 0.6 else None)
    language = "fr" if rng.random() < 0.85 else "en"
    if rng.random() < 0.7:
        first, last = rng.choice(FIRST_QC), rng.choice(PEOPLE_QC)
        local = fold(f"{first}.{last}").replace(" ", "").replace("'", "")
        return CleanClient("individual", f"{local}{i}@{rng.choice(DOMAINS_QC)}", first, last, "",
                           phone, language)
    name = company_name_qc(rng)
    slug = "".join(ch for ch in fold(name) if ch.isalnum())[:24]
    return CleanClient("organization", f"info{i}@{slug}.example.com", "", "", name, phone, "fr")


def _phone(rng: random.Random, region: str) -> str:
    if region == "FR":
        # Metropolitan numbers only: 05 9x and 02 62 are overseas departments, not FR.
        return (f"0{rng.randrange(1, 6)} {rng.randrange(10, 59)} {rng.randrange(10, 99)} "
                f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}")
    area = rng.choice(("514", "418", "450", "819", "613", "416") if region == "CA"
                      else ("617", "802", "518", "207", "716"))
    return f"{area}-{rng.randrange(200, 999)}-{rng.randrange(10000):04d}"


def member(rng: random.Random, i: int, language: str = "en") -> list[str]:
    """One directory row (MEMBER_COLUMNS): about 90 % in CA, 8 % hidden. "fr": the Canadian
    members are Québec businesses."""
    region = rng.choices(("CA", "US", "FR"), weights=(90, 6, 4))[0]
    if language == "fr" and region == "CA":
        name = company_name_qc(rng)
        slug = "".join(ch for ch in fold(name) if ch.isalnum())[:30]
        return [
            f"M{i:07d}", name, f"info@{slug}{i}.example.com",
            f"{rng.choice(AREAS_QC)}-{rng.randrange(200, 999)}-{rng.randrange(10000):04d}",
            f"www.{slug}{i}.example.com",
            f"{rng.randrange(1, 9999)} {rng.choice(('rue', 'boulevard', 'chemin', 'rang'))} "
            f"{rng.choice(('Principale', 'Saint-Joseph', 'Notre-Dame', 'des Érables', 'du Lac'))}",
            rng.choice(CITIES_QC), region, rng.choice(PLANS),
            "no" if rng.random() < 0.08 else "yes",
        ]
    name, _language = company_name(rng)
    slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:30]
    return [
        f"M{i:07d}", name, f"info@{slug}{i}.example.com", _phone(rng, region),
        f"www.{slug}{i}.example.com", f"{rng.randrange(1, 9999)} rue Principale",
        rng.choice(CITIES[region]), region, rng.choice(PLANS),
        "no" if rng.random() < 0.08 else "yes",
    ]
