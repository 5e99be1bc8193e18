"""Write a directory CSV of N network members (English and French names) for `network import`.

    python bench/make_members.py bench/members-1m.csv --count 1000000

About 90 % in CA, the rest in US and FR; about 8 % hidden. Last line: a JSON object.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from pathlib import Path

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
CITIES = {
    "CA": ("Montréal", "Québec", "Laval", "Gatineau", "Sherbrooke", "Trois-Rivières", "Lévis",
           "Saguenay", "Toronto", "Ottawa", "Vancouver", "Calgary", "Halifax", "Moncton"),
    "US": ("Boston", "Burlington", "Plattsburgh", "Portland", "Buffalo"),
    "FR": ("Paris", "Lyon", "Nantes", "Bordeaux", "Lille"),
}
PLANS = ("Simple Start", "Essentials", "Plus", "Advanced")


def phone(rng: random.Random, region: str) -> str:
    if region == "FR":
        # Metropolitan numbers only: 05 9x and 02 62 are overseas departments, not FR.
        return f"0{rng.randrange(1, 6)} {rng.randrange(10, 59)} {rng.randrange(10, 99)} " \
               f"{rng.randrange(10, 99)} {rng.randrange(10, 99)}"
    area = rng.choice(("514", "418", "450", "819", "613", "416") if region == "CA"
                      else ("617", "802", "518", "207", "716"))
    return f"{area}-{rng.randrange(200, 999)}-{rng.randrange(10000):04d}"


def member(rng: random.Random, i: int) -> list[str]:
    region = rng.choices(("CA", "US", "FR"), weights=(90, 6, 4))[0]
    person = rng.choice(PEOPLE)
    if rng.random() < 0.55:
        name = f"{rng.choice(TRADES_FR)} {person} {rng.choice(SUFFIX_FR)}".strip()
    else:
        name = f"{person} {rng.choice(TRADES_EN)} {rng.choice(SUFFIX_EN)}".strip()
    slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:30]
    city = rng.choice(CITIES[region])
    return [
        f"M{i:07d}", name, f"info@{slug}{i}.example.com",
        phone(rng, region),
        f"www.{slug}{i}.example.com", f"{rng.randrange(1, 9999)} rue Principale", city, region,
        rng.choice(PLANS), "no" if rng.random() < 0.08 else "yes",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with open(args.path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["member_id", "name", "email", "phone", "website", "address", "city",
                         "region", "plan", "visible"])
        for i in range(args.count):
            writer.writerow(member(rng, i))
    print(json.dumps({"members": args.count, "bytes": args.path.stat().st_size,
                      "seconds": round(time.perf_counter() - started, 1)}))


if __name__ == "__main__":
    main()
