"""Realistic made-up clients and network members, English and French (demo and benchmarks)."""

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
PLANS = ("Simple Start", "Essentials", "Plus", "Advanced")
MEMBER_COLUMNS = ["member_id", "name", "email", "phone", "website", "address", "city", "region",
                  "plan", "visible"]


def company_name(rng: random.Random) -> tuple[str, str]:
    """A company name and the language it reads in."""
    person = rng.choice(PEOPLE)
    if rng.random() < 0.55:
        return f"{rng.choice(TRADES_FR)} {person} {rng.choice(SUFFIX_FR)}".strip(), "fr"
    return f"{person} {rng.choice(TRADES_EN)} {rng.choice(SUFFIX_EN)}".strip(), "en"


def client(rng: random.Random, i: int) -> CleanClient:
    """A checked client: seven in ten are individuals."""
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


def _phone(rng: random.Random, region: str) -> str:
    if region == "FR":
        # Metropolitan numbers only: 05 9x and 02 62 are overseas departments, not FR.
        return (f"0{rng.randrange(1, 6)} {rng.randrange(10, 59)} {rng.randrange(10, 99)} "
                f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}")
    area = rng.choice(("514", "418", "450", "819", "613", "416") if region == "CA"
                      else ("617", "802", "518", "207", "716"))
    return f"{area}-{rng.randrange(200, 999)}-{rng.randrange(10000):04d}"


def member(rng: random.Random, i: int) -> list[str]:
    """One directory row (MEMBER_COLUMNS): about 90 % in CA, 8 % hidden."""
    region = rng.choices(("CA", "US", "FR"), weights=(90, 6, 4))[0]
    name, _language = company_name(rng)
    slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:30]
    return [
        f"M{i:07d}", name, f"info@{slug}{i}.example.com", _phone(rng, region),
        f"www.{slug}{i}.example.com", f"{rng.randrange(1, 9999)} rue Principale",
        rng.choice(CITIES[region]), region, rng.choice(PLANS),
        "no" if rng.random() < 0.08 else "yes",
    ]
