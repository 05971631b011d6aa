#!/usr/bin/env python3
"""Writes a generated .persons file and its field definitions for benchmarks.

Usage: generate_persons.py ROWS OUT.persons OUT_FIELDS.json

Columns: external_person_id, mdn and five custom fields of different types (string, number,
date, single_select, multi_select). Every row is valid and creates a new person; mdns are
distinct valid North American numbers.
"""
import json
import random
import sys


def main() -> None:
    rows, out_path, fields_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    fields = [
        {"name": "first_name", "type": "string"},
        {"name": "score", "type": "number"},
        {"name": "birthday", "type": "date"},
        {"name": "tier", "type": "single_select", "options": ["gold", "silver", "bronze"]},
        {"name": "tags", "type": "multi_select", "options": ["a", "b", "c", "d"]},
    ]
    with open(fields_path, "w") as out:
        json.dump(fields, out)
    rng = random.Random(42)
    names = ["Ann", "Bob", "Chloé", "Dmitri", "Eve", "Fatima", "Gus", "Hana"]
    tiers = ["gold", "silver", "bronze"]
    area_codes = [312, 415, 646, 213, 617, 305, 206, 512]
    with open(out_path, "w", newline="\n") as out:
        out.write("external_person_id,mdn,first_name,score,birthday,tier,tags\n")
        for index in range(rows):
            area = area_codes[index % len(area_codes)]
            serial = index // len(area_codes)
            exchange = 201 + serial // 10000
            line = serial % 10000
            out.write(
                f"c-{index},+1{area}{exchange:03d}{line:04d},{rng.choice(names)},"
                f"{rng.randint(0, 100000) / 100},19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)},"
                f"{rng.choice(tiers)},a|{rng.choice('bcd')}\n"
            )


if __name__ == "__main__":
    main()
