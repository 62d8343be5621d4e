"""Write a synthetic USAspending file of N rows, in the dashboard-transactions or bulk-award shape.

    python bench/synthetic_usaspending.py 100000 /tmp/tx-100k.csv
    python bench/synthetic_usaspending.py 50000 /tmp/awards-50k.csv --shape awards

Every name, id and amount is made up (seeded, so the same N gives the same file).  The file has
what the real ones have: CRLF, quoted names with commas, the same company under several spellings,
several transactions per award, de-obligations, zero rows, and about 0.2% exact duplicate rows.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

TX_HEADER = [
    "Agency",
    "Award ID",
    "Recipient Name",
    "Federal Action Obligation",
    "Action Date",
    "Modification",
    "Product/Service Description",
    "NAICS Description",
    "Transaction Description",
    "Generated Award ID",
]
AWARD_HEADER = [
    "contract_award_unique_key",
    "award_id_piid",
    "awarding_agency_name",
    "awarding_sub_agency_code",
    "awarding_sub_agency_name",
    "recipient_uei",
    "recipient_duns",
    "recipient_name",
    "recipient_parent_uei",
    "recipient_parent_name",
    "total_obligated_amount",
    "potential_total_value_of_award",
    "award_base_action_date",
    "period_of_performance_start_date",
    "period_of_performance_current_end_date",
    "prime_award_base_transaction_description",
    "last_modified_date",
]
WORDS = (
    "ACME",
    "APEX",
    "BOREAL",
    "CEDAR",
    "DELTA",
    "EMBER",
    "FALCON",
    "GRANITE",
    "HARBOR",
    "IRON",
    "JUNIPER",
    "KESTREL",
    "LUMEN",
    "MERIDIAN",
    "NORTHWIND",
    "ORBIT",
    "PINNACLE",
    "QUARRY",
    "RIDGE",
    "SUMMIT",
)
KINDS = ("SOLUTIONS", "SYSTEMS", "TECHNOLOGIES", "SERVICES", "GROUP", "LOGISTICS", "CONSULTING", "SUPPLY")
SUFFIXES = (", INC.", " INC", ", LLC", " LLC", " CORPORATION", " CORP", ", L.L.C.", "")
AGENCIES = (("ICE", "7012"), ("CBP", "7014"))
TEXTS = (
    "DETENTION SERVICES",
    "IT SUPPORT SERVICES",
    "GUARD SERVICES",
    "VEHICLE MAINTENANCE",
    "SOFTWARE LICENSES",
    "TRANSPORTATION SERVICES",
    "MEDICAL STAFFING",
    "CONSTRUCTION OF FACILITY",
)


def companies(n: int, rng: random.Random) -> list[str]:
    out = []
    for i in range(n):
        out.append(f"{rng.choice(WORDS)} {rng.choice(WORDS)} {rng.choice(KINDS)} {i:05d}")
    return out


def write_transactions(n: int, path: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    names = companies(max(10, n // 20), rng)
    rows = []
    award = 0
    while len(rows) < n:
        award += 1
        agency, code = rng.choice(AGENCIES)
        piid = f"70SYN{award:012d}"
        parent = rng.choice(("-NONE-", f"70SYNIDV{award % 97:06d}"))
        gid = f"CONT_AWD_{piid}_{code}_{parent}_{code if parent != '-NONE-' else '-NONE-'}"
        base = rng.choice(names)
        for mod in range(rng.randint(1, 5)):
            if len(rows) >= n:
                break
            amount = (
                round(rng.uniform(1_000, 5_000_000), 2)
                if mod == 0
                else rng.choice((0.0, round(rng.uniform(-200_000, 1_000_000), 2)))
            )
            day = f"2025-{rng.randint(1, 9):02d}-{rng.randint(1, 28):02d}"
            rows.append(
                [
                    agency,
                    piid,
                    base + rng.choice(SUFFIXES),
                    f"{amount}",
                    day,
                    "0" if mod == 0 else f"P{mod:05d}",
                    "SERVICES",
                    "SERVICES",
                    f"{rng.choice(TEXTS)}, TASK {mod}",
                    gid,
                ]
            )
            if rng.random() < 0.002 and len(rows) < n:
                rows.append(list(rows[-1]))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(TX_HEADER)
        w.writerows(rows)


def write_awards(n: int, path: Path, seed: int = 7) -> None:
    rng = random.Random(seed)
    names = companies(max(10, n // 10), rng)
    parents = companies(max(5, n // 100), rng)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(AWARD_HEADER)
        for i in range(n):
            agency, code = rng.choice(AGENCIES)
            piid = f"70SYN{i:012d}"
            k = rng.randrange(len(names))
            name = names[k]
            uei = f"SYN{k:09d}"
            j = rng.randrange(len(parents))
            p = parents[j] if rng.random() < 0.3 else name
            puei = f"SYP{j:09d}" if p != name else uei
            y = rng.randint(5, 24)
            w.writerow(
                [
                    f"CONT_AWD_{piid}_{code}_-NONE-_-NONE-",
                    piid,
                    "Department of Homeland Security",
                    code,
                    agency,
                    uei,
                    "",
                    name,
                    puei,
                    p,
                    f"{rng.uniform(-1000, 9e6):.2f}",
                    f"{rng.uniform(0, 2e7):.2f}" if rng.random() < 0.6 else "",
                    f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{y:02d}",
                    f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{y:02d}",
                    f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{y + 2:02d}",
                    rng.choice(TEXTS),
                    f"{rng.randint(1, 12)}/{rng.randint(1, 28)}/{y + 3:02d}",
                ]
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("rows", type=int)
    ap.add_argument("out", type=Path)
    ap.add_argument("--shape", choices=("transactions", "awards"), default="transactions")
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    (write_transactions if a.shape == "transactions" else write_awards)(a.rows, a.out, a.seed)
    print(f"wrote {a.rows:,} {a.shape} rows to {a.out}")


if __name__ == "__main__":
    main()
